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
#   hyparm.test=perf  the PMU: driver probe, sysfs device, cycles and instructions (/bin/perfcount)
#   hyparm.test=cpuspin  busy on every CPU from hyparm.spin=FROM_MS,TO_MS of the VM's counter (/bin/cpuspin)
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
perf)
	echo "hyparm-guest: $(dmesg | grep 'hw perfevents')"
	echo "hyparm-guest: event sources:" $(ls /sys/bus/event_source/devices)
	echo "hyparm-guest: pmu interrupt $(grep -i 'pmu' /proc/interrupts | head -1)"
	/bin/perfcount; poweroff -f ;;
cpuspin) /bin/cpuspin ${spin%,*} ${spin#*,}; poweroff -f ;;
esac
echo "hyparm-guest: shell ready ('poweroff' ends the VM, 'reboot' restarts it)"
