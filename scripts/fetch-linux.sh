#!/usr/bin/env bash
# Fetches Debian's stock arm64 kernel (linux-image-arm64) and busybox-static
# for arm64, unpacked (never installed) under deps/linux. Nothing is built or
# patched: the guest kernel is exactly Debian's.
set -euo pipefail
cd "$(dirname "$0")/.."
out=deps/linux
[ -f "$out/Image" ] && [ -f "$out/busybox" ] && exit 0

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	echo "fetch-linux: needs 'dpkg --add-architecture arm64 && apt-get update' (run: bash scripts/setup-deps.sh)" >&2
	exit 1
fi
pkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$pkg" ]; then
	echo "fetch-linux: cannot resolve linux-image-arm64:arm64 (run apt-get update)" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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
cp "$tmp/b/bin/busybox" "$out/busybox"
echo "fetch-linux: $ver ready in $out" >&2
