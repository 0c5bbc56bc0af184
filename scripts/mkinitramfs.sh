#!/usr/bin/env bash
# Builds the Linux guests' initramfs from Debian's busybox-static (arm64):
# build/linux/initramfs.cpio.gz. Needs scripts/fetch-linux.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/linux/initramfs.cpio.gz
src=(guests/linux/init guests/linux/checks.sh deps/linux/busybox)
if [ -f "$out" ] && [ -z "$(find "${src[@]}" -newer "$out")" ]; then exit 0; fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,root}
cp deps/linux/busybox "$root/bin/busybox"
cp guests/linux/init "$root/init"
cp guests/linux/checks.sh "$root/etc/hyparm-checks.sh"
chmod 755 "$root/init" "$root/bin/busybox"
mkdir -p "$(dirname "$out")"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$out"
echo "mkinitramfs: $out ($(stat -c %s "$out") bytes)" >&2
