#!/bin/sh
# System start-up for hyparm's Linux guests (run by busybox init, see inittab).
# Kernel command line options it understands:
#   hyparm.test=smp    run the SMP/timer/IPI checks, then power off
#   hyparm.test=boot   power off as soon as the system is up
#   hyparm.test=bench  time a CPU-bound and a memory-bound job (make bench), then power off
#   hyparm.test=hwdebug  hardware breakpoint, watchpoint and single step through ptrace (/bin/hwdebug)
#   hyparm.test=virtio-rng  load virtio_mmio and virtio-rng, show the hw_random device and read it
#   hyparm.test=virtio-console  load virtio_mmio and virtio_console, write lines to /dev/hvc0
#   hyparm.test=virtio-console-input  the same, then read a typed line from /dev/hvc0
#   hyparm.test=blk-write / blk-read / blk-ro  virtio-blk: a dd pattern to /dev/vda, read it back, a read-only disk
#   hyparm.test=blk-ext4-write / blk-ext4-read  a file on the ext4 /dev/vda, synced; read back after a kill
#   hyparm.test=perf  the PMU: driver probe, sysfs device, cycles and instructions (/bin/perfcount)
#   hyparm.test=cpuspin  busy on every CPU from hyparm.spin=FROM_MS,TO_MS[,EVERY_MS] of the VM's counter (/bin/cpuspin)
#   hyparm.test=job    a short CPU-bound job on every CPU at once, each printing its result, then power off
# otherwise init starts a shell on the console: 'poweroff' and 'reboot' work.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp && mount -t tmpfs tmpfs /tmp

test=
spin=
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	hyparm.test=*) test=${arg#hyparm.test=} ;;
	hyparm.spin=*) spin=${arg#hyparm.spin=} ;;
	esac
done

echo "hyparm-guest: up $(cut -d' ' -f1 /proc/uptime)s, $(nproc) CPU(s), kernel $(uname -r)"
case "$test" in
smp) sh /etc/hyparm-checks.sh; poweroff -f ;;
boot) poweroff -f ;;
bench) sh /etc/hyparm-bench.sh; poweroff -f ;;
hwdebug) /bin/hwdebug; poweroff -f ;;
virtio-rng)
	insmod /lib/modules/virtio_mmio.ko && insmod /lib/modules/virtio-rng.ko
	echo "hyparm-guest: rng_current $(cat /sys/class/misc/hw_random/rng_current)"
	echo "hyparm-guest: hwrng bytes $(head -c 64 /dev/hwrng | wc -c)"
	echo "hyparm-guest: hwrng md5 $(head -c 64 /dev/hwrng | md5sum | cut -d' ' -f1)"
	echo "hyparm-guest: hwrng md5 $(head -c 64 /dev/hwrng | md5sum | cut -d' ' -f1)"
	poweroff -f ;;
virtio-console)
	insmod /lib/modules/virtio_mmio.ko && insmod /lib/modules/virtio_console.ko
	sleep 1 # mdev / devtmpfs: hvc0 appears once the port is probed
	echo "hyparm-guest: hvc0 $(ls /dev/hvc0)"
	for i in 1 2 3; do echo "hvc0 line $i" > /dev/hvc0; done
	sleep 1 # the lines are printed as the device consumes the transmitq
	poweroff -f ;;
virtio-console-input)
	insmod /lib/modules/virtio_mmio.ko && insmod /lib/modules/virtio_console.ko
	sleep 1
	echo "hyparm-guest: hvc0 waiting for a line"
	read -r -t 30 line < /dev/hvc0
	echo "hyparm-guest: hvc0 got '$line'"
	poweroff -f ;;
blk-write)
	# Write a pattern to /dev/vda with dd, sync, say so; the test kills QEMU right then and reads the host file.
	insmod /lib/modules/virtio_mmio.ko && insmod /lib/modules/virtio_blk.ko
	echo "hyparm-guest: vda $(cat /sys/block/vda/size) sectors ro=$(cat /sys/block/vda/ro)"
	seq 1 2000 | sed 's/^/hyparm-blk-pattern-/' > /tmp/pat
	dd if=/tmp/pat of=/dev/vda bs=4096 seek=16 conv=fsync 2>/dev/null && echo "hyparm-guest: dd ok" ||
		echo "hyparm-guest: dd failed"
	sync
	echo "hyparm-guest: synced"
	sleep 30 ;;
blk-read)
	insmod /lib/modules/virtio_mmio.ko && insmod /lib/modules/virtio_blk.ko
	echo "hyparm-guest: vda md5 $(dd if=/dev/vda bs=4096 skip=16 count=$(( ($(seq 1 2000 | sed 's/^/hyparm-blk-pattern-/' | wc -c) + 4095) / 4096 )) 2>/dev/null | head -c $(seq 1 2000 | sed 's/^/hyparm-blk-pattern-/' | wc -c) | md5sum | cut -d' ' -f1)"
	echo "hyparm-guest: pattern md5 $(seq 1 2000 | sed 's/^/hyparm-blk-pattern-/' | md5sum | cut -d' ' -f1)"
	poweroff -f ;;
blk-ext4-write)
	# /dev/vda is ext4 (made on the host): mount, write a file, sync; the test kills QEMU right then.
	for m in virtio_mmio virtio_blk jbd2 mbcache crc16 crc32c_generic ext4; do insmod /lib/modules/$m.ko; done
	mkdir -p /mnt && mount -t ext4 /dev/vda /mnt && echo "hyparm-guest: mounted"
	seq 1 2000 | sed 's/^/hyparm-ext4-pattern-/' > /mnt/pattern.txt
	sync
	echo "hyparm-guest: synced"
	sleep 30 ;;
blk-ext4-read)
	for m in virtio_mmio virtio_blk jbd2 mbcache crc16 crc32c_generic ext4; do insmod /lib/modules/$m.ko; done
	mkdir -p /mnt && mount -t ext4 /dev/vda /mnt && echo "hyparm-guest: mounted"
	echo "hyparm-guest: file md5 $(md5sum < /mnt/pattern.txt | cut -d' ' -f1)"
	umount /mnt && echo "hyparm-guest: unmounted"
	poweroff -f ;;
blk-ro)
	insmod /lib/modules/virtio_mmio.ko && insmod /lib/modules/virtio_blk.ko
	echo "hyparm-guest: vda ro=$(cat /sys/block/vda/ro)"
	echo x | dd of=/dev/vda bs=512 count=1 conv=fsync 2>&1 | head -n 1
	echo "hyparm-guest: ro dd rc $?"
	poweroff -f ;;
perf)
	echo "hyparm-guest: $(dmesg | grep 'hw perfevents')"
	echo "hyparm-guest: event sources:" $(ls /sys/bus/event_source/devices)
	echo "hyparm-guest: pmu interrupt $(grep -i 'pmu' /proc/interrupts | head -1)"
	/bin/perfcount; poweroff -f ;;
cpuspin) /bin/cpuspin $(echo "$spin" | tr , ' '); poweroff -f ;;
job)
	# sum of i % 7 for i = 1..50000 is 150003: one awk per CPU, all at once, each pinned to its CPU.
	cpu=0
	while [ $cpu -lt $(nproc) ]; do
		(echo "hyparm-guest: job cpu $cpu result $(taskset -c $cpu awk 'BEGIN { s = 0; for (i = 1; i <= 50000; i++) s += i % 7; print s }')") &
		cpu=$((cpu + 1))
	done
	wait
	poweroff -f ;;
esac
# A virtio-blk disk (make run gives one): load its driver so that /dev/vda is there.
for m in virtio_mmio virtio_blk jbd2 mbcache crc16 crc32c_generic ext4; do insmod /lib/modules/$m.ko 2>/dev/null; done
[ -b /dev/vda ] && echo "hyparm-guest: disk /dev/vda, $(cat /sys/block/vda/size) sectors"
echo "hyparm-guest: shell ready ('poweroff' ends the VM, 'reboot' restarts it)"
