#!/usr/bin/env bash
# Runs one of hyparm's bare-metal guests, or an arm64 Linux kernel with an
# initrd, under real Linux KVM, inside the same emulated machine hyparm uses
# (QEMU virt, GICv3, EL2 available): Debian's arm64 kernel boots at EL2, KVM
# initialises (nVHE with cortex-a57, VHE with max), and tools/kvm-runner runs
# the guest.
#
#   bash scripts/kvm-host-run.sh (--guest FILE | --kernel IMAGE [--initrd FILE])
#        [--cpu cortex-a57|max] [--cpus N] [--params "bootargs"] [--mem MiB]
#        [--icount | --icount-io] [--timeout SECONDS] [--host-append "extra host kernel params"]
#        [--disk-mib N] [--net] [--pair "bootargs of a second guest"]
#
# --icount-io: -icount shift=0,sleep=on instead (see below).
# --cpus/--mem/--params go to the guest (kvm-runner -c/-m/-p; --mem defaults to
# 64, or 256 with --kernel); the emulated host always has 2 CPUs and 1 GiB.
# A Linux guest wants e.g. --params "console=ttyAMA0 quiet".
# --disk-mib N: the host gets a fresh N MiB disk (QEMU's virtio-blk-device, as hyparm's launcher gives
# hyparm), and the runner serves it to the guest as its virtio-blk (-d /dev/vda, O_DIRECT).
# --net: the host gets QEMU's virtio-net-device on its user network (the host machine 10.0.2.2, as
# under hyparm), and the runner gives the guest a virtio-net whose frames go out and come in on the
# host's eth0 through a packet socket (-n eth0): the guest is 10.0.2.15 on QEMU's network.
# --pair PARAMS: a second runner with the same kernel and initrd, 1 vCPU each, both with a virtio-net
# on the host's loopback interface through packet sockets (-n lo,MAC: the MACs of hyparm's test pair,
# 02:00:00:00:00:01 for the first, :02 for the second): each sees the other's frames, a two-port
# wire in the host kernel instead of hyparm's switch. The second's console lines start with "[b] ".
# Console lines to look for: "KVM-MODE: nvhe|vhe|none", the guest's output,
# "KVM-RUNNER-EXIT: <status>".
# Exit status: 0 the runner exited 0; 1 it exited non-zero; 2 time limit;
# 3 no runner status on the console (boot failure); 4 usage error.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
	awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0" >&2
	exit 4
}

guest="" kernel="" initrd="" cpu="cortex-a57" cpus=1 params="" mem="" icount=0 timeout=120 host_append=""
disk_mib="" net=0 pair=""
while [ $# -gt 0 ]; do
	case "$1" in
	--guest) guest=${2:?}; shift 2 ;;
	--kernel) kernel=${2:?}; shift 2 ;;
	--initrd) initrd=${2:?}; shift 2 ;;
	--cpu) cpu=${2:?}; shift 2 ;;
	--cpus) cpus=${2:?}; shift 2 ;;
	--params) params=${2-}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--icount) icount=1; shift ;;
	--icount-io) icount=io; shift ;;
	--disk-mib) disk_mib=${2:?}; shift 2 ;;
	--net) net=1; shift ;;
	--pair) pair=${2:?}; shift 2 ;;
	--host-append) host_append=${2-}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	-h|--help) usage ;;
	*) echo "kvm-host-run: unknown option '$1'" >&2; usage ;;
	esac
done
if [ -n "$kernel" ]; then
	[ -z "$guest" ] || { echo "kvm-host-run: --guest and --kernel exclude each other" >&2; usage; }
	[ -f "$kernel" ] || { echo "kvm-host-run: no such kernel '$kernel' (make linux?)" >&2; exit 4; }
	[ -z "$initrd" ] || [ -f "$initrd" ] || { echo "kvm-host-run: no such initrd '$initrd' (make linux?)" >&2; exit 4; }
	guest=$kernel
	: "${mem:=256}"
else
	[ -n "$guest" ] || { echo "kvm-host-run: --guest FILE or --kernel IMAGE is required" >&2; usage; }
	[ -z "$initrd" ] || { echo "kvm-host-run: --initrd needs --kernel" >&2; usage; }
	[ -f "$guest" ] || { echo "kvm-host-run: no such guest '$guest' (make guests?)" >&2; exit 4; }
	: "${mem:=64}"
fi
case "$cpu" in
cortex-a57) qemu_cpu=cortex-a57 ;;
max) qemu_cpu=max,pauth-impdef=on ;;
*) echo "kvm-host-run: --cpu must be cortex-a57 or max" >&2; exit 4 ;;
esac
[[ "$cpus" =~ ^[1-8]$ ]] || { echo "kvm-host-run: --cpus must be 1..8" >&2; exit 4; }
[[ "$mem" =~ ^[0-9]+$ ]] || { echo "kvm-host-run: --mem must be a number of MiB" >&2; exit 4; }
[ -z "$disk_mib" ] || [[ "$disk_mib" =~ ^[1-9][0-9]{0,4}$ ]] || { echo "kvm-host-run: --disk-mib must be 1..99999" >&2; exit 4; }
[[ "$timeout" =~ ^[0-9]+$ ]] || { echo "kvm-host-run: --timeout must be whole seconds" >&2; exit 4; }
case "$params$pair" in *\'*) echo "kvm-host-run: --params and --pair must not contain a single quote" >&2; exit 4 ;; esac
if [ -n "$pair" ]; then
	[ -n "$kernel" ] || { echo "kvm-host-run: --pair needs --kernel" >&2; exit 4; }
	[ "$net" = 0 ] || { echo "kvm-host-run: --pair and --net exclude each other" >&2; exit 4; }
	cpus=1
fi

for f in deps/linux/Image deps/linux/busybox; do
	[ -f "$f" ] || { echo "kvm-host-run: missing $f: run 'make linux'" >&2; exit 4; }
done
make -s kvm-runner >&2

work=$(mktemp -d)
qpid=""
tpid=""
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
	if [ -n "$qpid" ]; then kill "$qpid" 2>/dev/null || true; fi
	if [ -n "$tpid" ]; then kill "$tpid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

# ---- initramfs ----
root=$work/root
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,kvm}
cp deps/linux/busybox "$root/bin/busybox"
chmod 755 "$root/bin/busybox"
# The arm64 busybox cannot run on this host: make the applet links by name.
for applet in sh mount cat echo grep head sleep dmesg poweroff sync uname mkdir insmod ip sed; do
	ln -s busybox "$root/bin/$applet"
done
ln -s ../bin/busybox "$root/sbin/poweroff"
cp build/kvm-runner/kvm-runner "$root/kvm/kvm-runner"
cp "$guest" "$root/kvm/guest.bin"   # a Linux Image too: the runner recognises its header
runner_args="-k /kvm/guest.bin"
if [ -n "$initrd" ]; then
	cp "$initrd" "$root/kvm/initrd"
	runner_args="$runner_args -i /kvm/initrd"
fi
chmod 755 "$root/kvm/kvm-runner"
# The host's own drivers of QEMU's virtio devices (Debian builds them as modules).
host_modules=""
[ -n "$disk_mib" ] && host_modules="virtio_mmio virtio_blk" && runner_args="$runner_args -d /dev/vda"
[ "$net" = 1 ] && host_modules="virtio_mmio ${host_modules#virtio_mmio } failover net_failover virtio_net" &&
	runner_args="$runner_args -n eth0"
runner_b=""
if [ -n "$pair" ]; then
	runner_b="$runner_args -n lo,02:00:00:00:00:02"
	runner_args="$runner_args -n lo,02:00:00:00:00:01"
fi
if [ -n "$host_modules" ]; then
	mkdir -p "$root/lib/modules"
	for m in $host_modules; do cp "deps/linux/modules/$m.ko" "$root/lib/modules/"; done
fi

cat > "$root/init" <<EOF
#!/bin/sh
export PATH=/bin:/sbin
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# No /dev/console in the archive: take the console once devtmpfs is there.
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "KVM-HOST: \$(uname -r), \$(grep -c ^processor /proc/cpuinfo) CPUs"
if dmesg | grep -q 'kvm \[[0-9]*\]: VHE mode initialized successfully'; then
	echo "KVM-MODE: vhe"
elif dmesg | grep -q 'kvm \[[0-9]*\]: Protected nVHE mode initialized successfully'; then
	echo "KVM-MODE: protected-nvhe"
elif dmesg | grep -q 'kvm.*Hyp mode initialized successfully'; then
	echo "KVM-MODE: nvhe"
else
	echo "KVM-MODE: none"
	dmesg | grep -i kvm
fi
dmesg | grep 'kvm \[' | grep -i 'initialized successfully\|vgic\|gic'
for m in $host_modules; do insmod /lib/modules/\$m.ko || echo "KVM-HOST: insmod \$m failed"; done
n=0
while [ -n "$disk_mib" ] && [ ! -b /dev/vda ] && [ \$n -lt 50 ]; do sleep 0.1; n=\$((n + 1)); done
while [ "$net" = 1 ] && [ ! -e /sys/class/net/eth0 ] && [ \$n -lt 100 ]; do sleep 0.1; n=\$((n + 1)); done
[ "$net" = 1 ] && ip link set eth0 up
if [ -n "$pair" ]; then
	ip link set lo up
	(/kvm/kvm-runner $runner_b -c 1 -m $mem -p '$pair' 2>&1; echo "KVM-RUNNER-B-EXIT: \$?") | sed 's/^/[b] /' &
fi
/kvm/kvm-runner $runner_args -c $cpus -m $mem -p '$params'
echo "KVM-RUNNER-EXIT: \$?"
[ -n "$pair" ] && wait
sync
poweroff -f
EOF
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs.cpio.gz"

# ---- QEMU ----
# shellcheck disable=SC2054  # the commas belong to -M's value
qemu=(qemu-system-aarch64 -M virt,gic-version=3,virtualization=on -cpu "$qemu_cpu" -smp 2 -m 1024
	-nographic -net none -kernel deps/linux/Image -initrd "$work/initramfs.cpio.gz"
	-append "console=ttyAMA0 quiet panic=-1${host_append:+ $host_append}" -no-reboot)
[ "$icount" = 1 ] && qemu+=(-icount shift=0,sleep=off) # as tools/bench.py: idle time does not follow the host
# --icount-io: instructions counted, but idle time follows the host, so that I/O finished by QEMU's
# threads in host time does not look free or endless (tools/bench.py's virtio group).
[ "$icount" = io ] && qemu+=(-icount shift=0,sleep=on)
# The devices as tools/hyparmrun.py gives them to hyparm: modern virtio-mmio, raw disk file, user network.
if [ -n "$disk_mib" ] || [ "$net" = 1 ]; then qemu+=(-global virtio-mmio.force-legacy=false); fi
if [ -n "$disk_mib" ]; then
	truncate -s "${disk_mib}M" "$work/disk.img"
	qemu+=(-drive "file=$work/disk.img,if=none,format=raw,id=hd0" -device virtio-blk-device,drive=hd0)
fi
[ "$net" = 1 ] && qemu+=(-netdev user,id=n0 -device virtio-net-device,netdev=n0)

log=$work/console.log
: > "$log"
echo "kvm-host-run: ${qemu[*]}" >&2
"${qemu[@]}" </dev/null >"$log" 2>&1 &
qpid=$!
# Console output as it comes (line-buffered, polled every 0.1 s: make bench times lines by arrival).
tail -n +1 -f -s 0.1 --pid="$qpid" "$log" | sed -u 's/\r//g' &
tpid=$!

timed_out=0
deadline=$((SECONDS + timeout))
while kill -0 "$qpid" 2>/dev/null; do
	if [ "$timeout" -gt 0 ] && [ "$SECONDS" -ge "$deadline" ]; then
		timed_out=1
		kill "$qpid" 2>/dev/null || true
		break
	fi
	sleep 0.5
done
wait "$qpid" 2>/dev/null || true
qpid=""
wait "$tpid" 2>/dev/null || true
tpid=""

if [ "$timed_out" = 1 ]; then
	echo "kvm-host-run: TIMEOUT after ${timeout}s; last 20 console lines:" >&2
	tr -d '\r' < "$log" | tail -n 20 >&2
	exit 2
fi
status=$(tr -d '\r' < "$log" | sed -n 's/^KVM-RUNNER-EXIT: \([0-9]*\).*/\1/p' | tail -n 1)
if [ -z "$status" ]; then
	echo "kvm-host-run: no KVM-RUNNER-EXIT line on the console (boot or initramfs failure)" >&2
	exit 3
fi
[ "$status" = 0 ] && exit 0
exit 1
