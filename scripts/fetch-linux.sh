#!/usr/bin/env bash
# Fetches Debian's stock arm64 kernel (linux-image-arm64) and busybox-static
# for arm64, unpacked (never installed) under deps/linux. Nothing is built or
# patched: the guest kernel is exactly Debian's.
set -euo pipefail
cd "$(dirname "$0")/.."
out=deps/linux
# ext4 and what it needs (modules in Debian's kernel), for the guests' disks (virtio-blk).
EXT4_MODULES="fs/jbd2/jbd2.ko fs/mbcache.ko lib/crc16.ko crypto/crc32c_generic.ko fs/ext4/ext4.ko"
# AF_VSOCK over virtio-vsock (the vsock core, the virtio transport's common part, the transport).
VSOCK_MODULES="net/vmw_vsock/vsock.ko net/vmw_vsock/vmw_vsock_virtio_transport_common.ko net/vmw_vsock/vmw_vsock_virtio_transport.ko"
# What Debian's virtio_net module needs (it is built with CONFIG_NET_FAILOVER=m), for the guests' virtio-net.
NET_MODULES="net/core/failover.ko drivers/net/net_failover.ko"
# User-space drivers (ivshmem from user space: uio_pci_generic binds any INTx PCI function, /dev/uioN).
UIO_MODULES="drivers/uio/uio.ko drivers/uio/uio_pci_generic.ko"
EXTRA_MODULES="$EXT4_MODULES $VSOCK_MODULES $NET_MODULES $UIO_MODULES"
# Board device trees from the same package, for hyparm on those boards (tools/hyparmrun.py BOARDS).
BOARD_DTBS="xilinx/zynqmp-zcu102-rev1.0.dtb"
have_dtbs() { for d in $BOARD_DTBS; do [ -f "$out/dtbs/$d" ] || return 1; done; }
copy_dtbs() { # $1: the unpacked package, $2: the kernel version
	for d in $BOARD_DTBS; do
		mkdir -p "$out/dtbs/$(dirname "$d")"
		cp "$1/usr/lib/linux-image-$2/$d" "$out/dtbs/$d"
	done
}
[ -f "$out/Image" ] && [ -f "$out/busybox" ] && [ -f "$out/modules/ext4.ko" ] &&
	[ -f "$out/modules/vmw_vsock_virtio_transport.ko" ] && [ -f "$out/modules/net_failover.ko" ] &&
	[ -f "$out/modules/uio_pci_generic.ko" ] && have_dtbs && exit 0

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	echo "fetch-linux: needs 'dpkg --add-architecture arm64 && apt-get update' (run: bash scripts/setup-deps.sh)" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -f "$out/Image" ] && [ -f "$out/busybox" ] && [ -f "$out/version" ]; then
	# An older fetch without the ext4, vsock, net or uio modules or the board DTBs: add them from the same
	# kernel version, Image untouched.
	ver=$(cat "$out/version")
	echo "fetch-linux: adding the ext4, vsock, net and uio modules and board device trees of linux-image-$ver" >&2
	(cd "$tmp" && apt-get download -qq "linux-image-$ver:arm64" >/dev/null 2>&1) || {
		echo "fetch-linux: apt-get download linux-image-$ver:arm64 failed" >&2; exit 1; }
	dpkg -x "$tmp"/linux-image-*.deb "$tmp/k"
	for m in $EXTRA_MODULES; do cp "$tmp/k/lib/modules/$ver/kernel/$m" "$out/modules/"; done
	copy_dtbs "$tmp/k" "$ver"
	exit 0
fi
pkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$pkg" ]; then
	echo "fetch-linux: cannot resolve linux-image-arm64:arm64 (run apt-get update)" >&2
	exit 1
fi
echo "fetch-linux: downloading $pkg and busybox-static:arm64" >&2
(cd "$tmp" && apt-get download -qq "$pkg" busybox-static:arm64 >/dev/null 2>&1) || {
	echo "fetch-linux: apt-get download $pkg busybox-static:arm64 failed" >&2; exit 1; }
mkdir -p "$tmp/k" "$tmp/b" "$out"
dpkg -x "$tmp"/linux-image-*.deb "$tmp/k"
dpkg -x "$tmp"/busybox-static_*.deb "$tmp/b"
cp "$tmp"/k/boot/vmlinuz-* "$out/Image"
ver=$(basename "$tmp"/k/lib/modules/*)
echo "$ver" > "$out/version"
# The virtio modules the guests may load later (uncompressed .ko files).
mkdir -p "$out/modules"
find "$tmp/k/lib/modules/$ver/kernel/drivers" -name 'virtio*.ko*' -exec cp {} "$out/modules/" \; || true
for m in $EXTRA_MODULES; do cp "$tmp/k/lib/modules/$ver/kernel/$m" "$out/modules/"; done
copy_dtbs "$tmp/k" "$ver"
cp "$tmp/b/bin/busybox" "$out/busybox"
echo "fetch-linux: $ver ready in $out" >&2
