#!/usr/bin/env bash
# Installs what hyparm needs on a Debian 12 machine (as root, or with sudo),
# plus gnuplot when called as `setup-deps.sh bench`,
# then unpacks the arm64 libfdt that hyparm links. Safe to run again: it
# does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(make gcc python3 cpio e2fsprogs gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
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

# apt-get, waiting for the package lock while another apt or dpkg holds it (unattended
# upgrades after boot, a second terminal): DPkg::Lock::Timeout makes apt itself wait for
# dpkg's lock; the lists lock of `apt-get update` is waited for here, retrying.
APT_WAIT_S=600
apt_get() {
	local log rc waited=0
	log=$(mktemp)
	while :; do
		rc=0
		$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=$APT_WAIT_S "$@" >"$log" 2>&1 || rc=$?
		if [ $rc -ne 0 ] && [ $waited -lt $APT_WAIT_S ] &&
			grep -qE "Could not get lock|Unable to lock|Unable to acquire the dpkg frontend lock" "$log"; then
			[ $waited -eq 0 ] && echo "setup-deps: another apt or dpkg holds the package lock: waiting for it (at most ${APT_WAIT_S}s)" >&2
			sleep 5
			waited=$((waited + 5))
			continue
		fi
		[ $rc -eq 0 ] || cat "$log" >&2
		rm -f "$log"
		return $rc
	done
}

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	$SUDO dpkg --add-architecture arm64
fi
echo "setup-deps: apt-get update" >&2
apt_get update -qq
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup-deps: installing ${missing[*]}" >&2
	apt_get install -y -qq "${missing[@]}"
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
