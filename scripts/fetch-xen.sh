#!/usr/bin/env bash
# Fetches Debian's Xen hypervisor for arm64 (xen-hypervisor-4.17-arm64),
# unpacked (never installed) into deps/xen: the benchmark peer column of
# tools/bench.py (--xen). Nothing is built or patched: Xen is exactly Debian's.
set -euo pipefail
cd "$(dirname "$0")/.."
out=deps/xen
[ -f "$out/xen" ] && exit 0

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	echo "fetch-xen: needs 'dpkg --add-architecture arm64 && apt-get update' (run: bash scripts/setup-deps.sh)" >&2
	exit 1
fi
pkg=xen-hypervisor-4.17-arm64:arm64
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetch-xen: downloading $pkg" >&2
(cd "$tmp" && apt-get download -qq "$pkg" >/dev/null 2>&1) || {
	echo "fetch-xen: apt-get download $pkg failed (apt-get update?)" >&2; exit 1; }
mkdir -p "$tmp/x" "$out"
dpkg -x "$tmp"/xen-hypervisor-*.deb "$tmp/x"
# The Image-format Xen (what QEMU's -kernel boots), not the EFI one.
cp "$tmp"/x/boot/xen-4.17-arm64 "$out/xen"
cp "$tmp"/x/boot/xen-4.17-arm64.config "$out/config"
basename "$tmp"/xen-hypervisor-*.deb .deb | sed 's/^xen-hypervisor-4.17-arm64_//; s/_arm64$//' > "$out/version"
echo "fetch-xen: Xen $(cat "$out/version") ready in $out" >&2
