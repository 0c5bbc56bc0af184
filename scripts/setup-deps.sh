#!/usr/bin/env bash
# Installs what hyparm needs on a Debian 12 machine (as root, or with sudo),
# plus gnuplot when called as `setup-deps.sh bench`,
# then unpacks the arm64 libfdt that hyparm links. Safe to run again: it
# does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(make gcc python3 cpio gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
      qemu-system-arm device-tree-compiler libfdt-dev libcmocka-dev
      python3-pexpect python3-pytest python3-pytest-timeout
      clang libclang-rt-14-dev   # the fuzzers: libFuzzer, ASan, UBSan (make fuzz)
      clang-format               # the style check (make format-check)
      u-boot-qemu qemu-efi-aarch64)  # firmware guests: U-Boot and EDK2 for QEMU virt (tests/integration/test_firmware.py)
# `make bench` also draws a chart.
[ "${1-}" = bench ] && PKGS+=(gnuplot-nox)

SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null; then SUDO=sudo; fi
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
need_arm64_fdt=0
[ -f deps/libfdt-arm64/usr/lib/aarch64-linux-gnu/libfdt.a ] || need_arm64_fdt=1

if [ ${#missing[@]} -eq 0 ] && [ $need_arm64_fdt -eq 0 ]; then
	exit 0
fi

if [ -z "$SUDO" ] && [ "$(id -u)" != 0 ]; then
	echo "hyparm needs root to install: apt-get install ${missing[*]}; and libfdt-dev:arm64 (dpkg --add-architecture arm64)" >&2
	exit 1
fi

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	$SUDO dpkg --add-architecture arm64
fi
echo "setup-deps: apt-get update" >&2
$SUDO apt-get update -qq >/dev/null
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup-deps: installing ${missing[*]}" >&2
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ $need_arm64_fdt -eq 1 ]; then
	# hyparm links Debian's prebuilt arm64 libfdt.a; we only unpack it, never install it.
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -qq libfdt-dev:arm64 >/dev/null 2>&1)
	rm -rf deps/libfdt-arm64
	mkdir -p deps/libfdt-arm64
	dpkg -x "$tmp"/libfdt-dev_*_arm64.deb deps/libfdt-arm64
	rm -rf "$tmp"
fi
echo "setup-deps: done" >&2
