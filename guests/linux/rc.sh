#!/bin/sh
# System start-up for hyparm's Linux guests (run by busybox init, see inittab).
# Kernel command line options it understands:
#   hyparm.test=smp    run the SMP/timer/IPI checks, then power off
#   hyparm.test=boot   power off as soon as the system is up
#   hyparm.test=bench  time a CPU-bound and a memory-bound job (make bench), then power off
#   hyparm.test=hwdebug  hardware breakpoint, watchpoint and single step through ptrace (/bin/hwdebug)
#   hyparm.test=virtio-rng  load virtio_mmio and virtio-rng, show the hw_random device and read it
#   hyparm.test=virtio-rng-pci  load virtio_pci and virtio-rng: list /sys/bus/pci/devices, read /dev/hwrng,
#                      and print the ITS MSI lines of /proc/interrupts before and after (the LPIs delivered)
#   hyparm.test=virtio-console  load virtio_mmio and virtio_console, write lines to /dev/hvc0
#   hyparm.test=virtio-console-input  the same, then read a typed line from /dev/hvc0
#   hyparm.test=blk-write / blk-read / blk-ro  virtio-blk: a dd pattern to /dev/vda, read it back, a read-only disk
#   hyparm.test=blk-ext4-write / blk-ext4-read  a file on the ext4 /dev/vda, synced; read back after a kill
#   hyparm.test=vsock-listen / vsock-send  AF_VSOCK (virtio-vsock): accept one stream on hyparm.vsock=CID:PORT's
#                      PORT and print its size and md5 / send a pattern to CID:PORT (/bin/vsockcat): seq 1 N,
#                      N = hyparm.vsocklines (60000: 349 KB)
#   hyparm.test=perf  the PMU: driver probe, sysfs device, cycles and instructions (/bin/perfcount)
#   hyparm.test=mte   MTE: the cpuinfo feature, a PROT_MTE page and a tag-check fault (/bin/mtetag)
#   hyparm.test=sve   SVE and pointer authentication: cpuinfo features, the kernel's view, /bin/svecheck
#   hyparm.test=cpuspin  busy on every CPU from hyparm.spin=FROM_MS,TO_MS[,EVERY_MS] of the VM's counter (/bin/cpuspin)
#   hyparm.test=job    a short CPU-bound job on every CPU at once, each printing its result, then power off
#   hyparm.test=net-send / net-recv  virtio-net: eth0 gets hyparm.ip=ADDR (/24), pings hyparm.peer=ADDR, then
#                      sends / receives `seq 1 hyparm.count=N` over TCP (busybox nc, port 5000); recv prints its md5
#   hyparm.test=shmping  ivshmem from user space: bind uio_pci_generic to 1af4:1110, then /bin/shmping moves
#                      hyparm.shmbytes=N (4 MiB) through BAR2 with doorbells both ways (peer 0 sends)
#   hyparm.test=net-wget  eth0 from QEMU's user network (10.0.2.15), wget hyparm.url=URL, print its md5
#   hyparm.test=passthrough  /dev/vda is a passed-through disk: first life writes the blk pattern and a
#                      marker (fsync), then reboots; the second reads the pattern back and powers off
#   hyparm.test=blkbench  virtio-blk throughput and latency on /dev/vda (/bin/blkbench, O_DIRECT):
#                      hyparm.blkmib=MiB sequential (default 16), hyparm.blkops=N random 4 KiB ops (default 256),
#                      hyparm.blkcpu=N: pinned to CPU N (taskset)
#   hyparm.test=netbench-srv  eth0 gets hyparm.ip=ADDR; /bin/netbench serves two transfers on hyparm.port
#   hyparm.test=netbench-cli  eth0 gets hyparm.ip=ADDR (10.0.2.15: QEMU's user network, the host
#                      10.0.2.2); sends, then receives hyparm.bytes=N to/from hyparm.peer:hyparm.port
# otherwise init starts a shell on the console: 'poweroff' and 'reboot' work.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp && mount -t tmpfs tmpfs /tmp

test=
spin=
vsock=
vsocklines=60000
shmbytes=4194304
ip=
peer=
count=
url=
blkmib=16
blkops=256
blkcpu=
port=5001
bytes=4000000
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	hyparm.test=*) test=${arg#hyparm.test=} ;;
	hyparm.spin=*) spin=${arg#hyparm.spin=} ;;
	hyparm.vsock=*) vsock=${arg#hyparm.vsock=} ;;
	hyparm.vsocklines=*) vsocklines=${arg#hyparm.vsocklines=} ;;
	hyparm.shmbytes=*) shmbytes=${arg#hyparm.shmbytes=} ;;
	hyparm.ip=*) ip=${arg#hyparm.ip=} ;;
	hyparm.peer=*) peer=${arg#hyparm.peer=} ;;
	hyparm.count=*) count=${arg#hyparm.count=} ;;
	hyparm.url=*) url=${arg#hyparm.url=} ;;
	hyparm.blkmib=*) blkmib=${arg#hyparm.blkmib=} ;;
	hyparm.blkops=*) blkops=${arg#hyparm.blkops=} ;;
	hyparm.blkcpu=*) blkcpu=${arg#hyparm.blkcpu=} ;;
	hyparm.port=*) port=${arg#hyparm.port=} ;;
	hyparm.bytes=*) bytes=${arg#hyparm.bytes=} ;;
	esac
done

# virtio-net: load Debian's driver, bring eth0 up with address $1/24.
net_up() {
	for m in virtio_mmio failover net_failover virtio_net; do insmod /lib/modules/$m.ko 2>/dev/null; done
	n=0
	while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 10 ]; do sleep 1; n=$((n + 1)); done
	echo "hyparm-guest: eth0 mac $(cat /sys/class/net/eth0/address 2>/dev/null)"
	ip link set lo up
	ip addr add "$1/24" dev eth0
	ip link set eth0 up
}

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
virtio-rng-pci)
	for m in virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio-rng; do insmod /lib/modules/$m.ko; done
	for d in /sys/bus/pci/devices/*; do
		echo "hyparm-guest: pci ${d##*/} $(cat $d/vendor):$(cat $d/device) driver $(basename "$(readlink $d/driver)")"
	done
	echo "hyparm-guest: rng_current $(cat /sys/class/misc/hw_random/rng_current)"
	grep -i msi /proc/interrupts | sed 's/^/hyparm-guest: irq-before /'
	echo "hyparm-guest: hwrng bytes $(dd if=/dev/hwrng bs=64 count=4 2>/dev/null | wc -c)"
	grep -i msi /proc/interrupts | sed 's/^/hyparm-guest: irq-after /'
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
passthrough)
	insmod /lib/modules/virtio_mmio.ko && insmod /lib/modules/virtio_blk.ko
	echo "hyparm-guest: vda $(cat /sys/block/vda/size) sectors"
	echo "hyparm-guest: ram $(grep 'System RAM' /proc/iomem | head -n 1 | tr -d ' ')"
	pat() { seq 1 2000 | sed 's/^/hyparm-blk-pattern-/'; }
	if dd if=/dev/vda bs=512 count=1 2>/dev/null | grep -q hyparm-pt-marker; then
		echo "hyparm-guest: second life, vda md5 $(dd if=/dev/vda bs=4096 skip=16 count=16 2>/dev/null | head -c $(pat | wc -c) | md5sum | cut -d' ' -f1)"
		echo "hyparm-guest: irqs $(grep -c virtio0 /proc/interrupts) $(grep virtio0 /proc/interrupts | tr -s ' ' | cut -d' ' -f2-3)"
		poweroff -f
	fi
	pat > /tmp/pat
	dd if=/tmp/pat of=/dev/vda bs=4096 seek=16 conv=fsync 2>/dev/null && echo "hyparm-guest: dd ok"
	echo hyparm-pt-marker | dd of=/dev/vda bs=512 count=1 conv=fsync,notrunc 2>/dev/null && echo "hyparm-guest: marked"
	echo "hyparm-guest: rebooting"
	reboot -f ;;
vsock-listen)
	for m in virtio_mmio vsock vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport; do insmod /lib/modules/$m.ko; done
	/bin/vsockcat -c
	/bin/vsockcat -l 5001 > /dev/null & # a second listener, for the hostile guest (test_vsock.py)
	/bin/vsockcat -l "${vsock#*:}" > /tmp/recv
	echo "hyparm-guest: vsock received $(wc -c < /tmp/recv) bytes md5 $(md5sum < /tmp/recv | cut -d' ' -f1)"
	poweroff -f ;;
vsock-send)
	for m in virtio_mmio vsock vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport; do insmod /lib/modules/$m.ko; done
	/bin/vsockcat -c
	seq 1 "$vsocklines" > /tmp/send
	echo "hyparm-guest: vsock sending $(wc -c < /tmp/send) bytes md5 $(md5sum < /tmp/send | cut -d' ' -f1)"
	/bin/vsockcat "${vsock%:*}" "${vsock#*:}" < /tmp/send
	echo "hyparm-guest: vsock send rc $?"
	/bin/vsockcat -n 2 1234 < /dev/null
	echo "hyparm-guest: vsock host rc $?"
	poweroff -f ;;
perf)
	echo "hyparm-guest: $(dmesg | grep 'hw perfevents')"
	echo "hyparm-guest: event sources:" $(ls /sys/bus/event_source/devices)
	echo "hyparm-guest: pmu interrupt $(grep -i 'pmu' /proc/interrupts | head -1)"
	/bin/perfcount; poweroff -f ;;
sve)
	# One line per feature: the whole Features line is longer than hyparm's console line.
	for f in sve sve2 paca pacg; do
		grep -m1 '^Features' /proc/cpuinfo | grep -qw $f && echo "hyparm-guest: cpuinfo feature $f"
	done
	dmesg | grep -E 'SVE: |authentication' | sed 's/^/hyparm-guest: dmesg: /'
	/bin/svecheck; poweroff -f ;;
cpuspin) /bin/cpuspin $(echo "$spin" | tr , ' '); poweroff -f ;;
mte)
	echo "hyparm-guest: cpuinfo:$(grep -m1 Features /proc/cpuinfo | grep -o -w 'mte[0-9]*' | sed 's/^/ /' | tr -d '\n')"
	/bin/mtetag; poweroff -f ;;
net-send | net-recv)
	net_up "$ip"
	bytes=$(seq 1 "$count" | wc -c) # first: on a loaded host it takes a while, and the sender waits on it
	# The peer boots meanwhile: wait for its first answer (up to ~2 minutes), then count three.
	n=0
	until ping -c 1 -W 1 "$peer" >/dev/null 2>&1 || [ $n -ge 120 ]; do n=$((n + 1)); done
	echo "hyparm-guest: ping $(ping -c 3 -W 5 "$peer" | grep -o '[0-9]* packets received')"
	if [ "$test" = net-recv ]; then
		# head ends the transfer at its known size (busybox nc need not close at the sender's EOF).
		echo "hyparm-guest: net listening for $bytes bytes"
		t0=$(cut -d' ' -f1 /proc/uptime)
		sum=$(nc -l -p 5000 | head -c "$bytes" | md5sum | cut -d' ' -f1)
		# From listening to the last byte (the sender's connect retries included): a rough figure.
		echo "hyparm-guest: net recv time $t0 $(cut -d' ' -f1 /proc/uptime)"
		echo "hyparm-guest: net recv md5 $sum"
	else
		n=0
		# Until the receiver listens (its boot may be much slower: a loaded host, a busy CPU).
		until seq 1 "$count" | nc "$peer" 5000 || [ $n -ge 240 ]; do sleep 1; n=$((n + 1)); done
		echo "hyparm-guest: net sent"
		sleep 600 # the test ends the run when the receiver has counted
	fi
	poweroff -f ;;
shmping)
	insmod /lib/modules/uio.ko && insmod /lib/modules/uio_pci_generic.ko
	dev=$(grep -l 0x1110 /sys/bus/pci/devices/*/device | head -n 1)
	dev=${dev%/device}
	echo "1af4 1110" > /sys/bus/pci/drivers/uio_pci_generic/new_id
	n=0
	until [ -e /dev/uio0 ] || [ $n -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
	echo "hyparm-guest: ivshmem $(basename "$dev") driver $(basename "$(readlink "$dev/driver")") irq $(cat "$dev/irq")"
	/bin/shmping "$dev" /dev/uio0 "$shmbytes"
	echo "hyparm-guest: shmping rc $?"
	grep uio /proc/interrupts | sed 's/^ */hyparm-guest: interrupts: /'
	poweroff -f ;;
net-wget)
	net_up 10.0.2.15
	ip route add default via 10.0.2.2
	t0=$(cut -d' ' -f1 /proc/uptime)
	sum=$(wget -q -O - "$url" | md5sum | cut -d' ' -f1)
	echo "hyparm-guest: wget time $t0 $(cut -d' ' -f1 /proc/uptime)"
	echo "hyparm-guest: wget md5 $sum"
	poweroff -f ;;
blkbench)
	insmod /lib/modules/virtio_mmio.ko && insmod /lib/modules/virtio_blk.ko
	echo "hyparm-guest: vda $(cat /sys/block/vda/size 2>/dev/null) sectors"
	if [ -n "$blkcpu" ]; then taskset -c "$blkcpu" /bin/blkbench /dev/vda "$blkmib" "$blkops"
	else /bin/blkbench /dev/vda "$blkmib" "$blkops"; fi
	poweroff -f ;;
netbench-srv)
	net_up "$ip"
	/bin/netbench -s "$port" 2
	poweroff -f ;;
netbench-cli)
	net_up "$ip"
	[ "$ip" = 10.0.2.15 ] && ip route add default via 10.0.2.2
	/bin/netbench -c "$peer" "$port" "$bytes" send && /bin/netbench -c "$peer" "$port" "$bytes" recv
	poweroff -f ;;
job)
	# sum of i % 7 for i = 1..50000 is 150003: one awk per CPU, all at once, each pinned to its CPU.
	cpu=0
	while [ $cpu -lt $(nproc) ]; do
		(echo "hyparm-guest: job cpu $cpu result $(taskset -c $cpu awk 'BEGIN { s = 0; for (i = 1; i <= 50000; i++) s += i % 7; print s }')") &
		cpu=$((cpu + 1))
	done
	wait
	poweroff -f ;;
"" | shell) ;;
*)
	# A mode this initramfs does not know: say so and end, rather than sit at a shell until a time limit.
	echo "hyparm-guest: unknown hyparm.test=$test (an initramfs older than the tests? make linux rebuilds it)"
	poweroff -f ;;
esac
# A virtio-blk disk (make run gives one): load its driver so that /dev/vda is there.
for m in virtio_mmio virtio_blk jbd2 mbcache crc16 crc32c_generic ext4; do insmod /lib/modules/$m.ko 2>/dev/null; done
[ -b /dev/vda ] && echo "hyparm-guest: disk /dev/vda, $(cat /sys/block/vda/size) sectors"
echo "hyparm-guest: shell ready ('poweroff' ends the VM, 'reboot' restarts it)"
