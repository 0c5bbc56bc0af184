#!/usr/bin/env bash
# Builds the Linux guests' initramfs from Debian's busybox-static (arm64):
# build/linux/initramfs.cpio.gz. busybox is PID 1 (its init applet reads
# guests/linux/inittab), so 'poweroff' and 'reboot' in the guest work.
# Needs scripts/fetch-linux.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/linux/initramfs.cpio.gz
src=(guests/linux/rc.sh guests/linux/inittab guests/linux/checks.sh guests/linux/bench.sh deps/linux/busybox scripts/mkinitramfs.sh
	build/linux/hwdebug build/linux/cpuspin build/linux/perfcount build/linux/mtetag build/linux/svecheck build/linux/vsockcat build/linux/shmping
	build/linux/blkbench build/linux/netbench)
if [ -f "$out" ] && [ -z "$(find "${src[@]}" -newer "$out")" ]; then exit 0; fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,root}
cp deps/linux/busybox "$root/bin/busybox"
# The arm64 busybox cannot run here: make the applet links by name.
for applet in sh ash mount umount cat cut echo grep awk sleep nproc uname taskset poweroff reboot \
	sync ls mkdir cttyhack init md5sum dd head tail sed seq time date dmesg insmod ps kill free rm wc mke2fs df \
	ip ifconfig route ping nc wget udhcpc httpd readlink basename; do
	ln -s /bin/busybox "$root/bin/$applet"
done
ln -s /bin/busybox "$root/init"
ln -s /bin/busybox "$root/sbin/init"
ln -s /bin/busybox "$root/sbin/reboot"
ln -s /bin/busybox "$root/sbin/poweroff"
cp guests/linux/inittab "$root/etc/inittab"
cp guests/linux/rc.sh "$root/etc/rc.sh"
cp guests/linux/checks.sh "$root/etc/hyparm-checks.sh"
cp guests/linux/bench.sh "$root/etc/hyparm-bench.sh"
# Test programs built by the Makefile (make linux): hardware breakpoints and watchpoints through ptrace;
# a CPU-bound job timed by the virtual counter (the scheduler's tests).
cp build/linux/hwdebug "$root/bin/hwdebug"
cp build/linux/cpuspin "$root/bin/cpuspin"
cp build/linux/perfcount "$root/bin/perfcount" # cycles and instructions through perf_event_open (the PMU)
cp build/linux/mtetag "$root/bin/mtetag" # a PROT_MTE page, its tags, a tag-check fault's SIGSEGV
cp build/linux/svecheck "$root/bin/svecheck" # SVE: the VL, an SVE loop, Z/P registers kept (-cpu max)
cp build/linux/vsockcat "$root/bin/vsockcat" # AF_VSOCK listen / connect (busybox has no vsock)
cp build/linux/shmping "$root/bin/shmping" # ivshmem through uio_pci_generic and sysfs resourceN
cp build/linux/blkbench "$root/bin/blkbench" # virtio-blk throughput and latency, O_DIRECT (make bench)
cp build/linux/netbench "$root/bin/netbench" # TCP throughput client and server (make bench)
# Debian builds virtio-mmio and virtio-rng as modules (the virtio core and hw_random are built in):
# rc.sh loads them for hyparm.test=virtio-rng, virtio-console, virtio-blk, vsock-* and net-* (virtio_net
# needs net_failover, which needs failover), and virtio_pci for hyparm.test=virtio-rng-pci (it needs both
# its modern and legacy helper modules); uio and uio_pci_generic for hyparm.test=shmping (ivshmem).
mkdir -p "$root/lib/modules"
for m in virtio_mmio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio-rng virtio_console virtio_blk jbd2 mbcache crc16 crc32c_generic ext4 \
	vsock vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport failover net_failover virtio_net \
	uio uio_pci_generic; do
	[ -f "deps/linux/modules/$m.ko" ] && cp "deps/linux/modules/$m.ko" "$root/lib/modules/"
done
chmod 755 "$root/etc/rc.sh" "$root/bin/busybox" "$root/bin/hwdebug" "$root/bin/cpuspin" "$root/bin/perfcount" "$root/bin/mtetag" "$root/bin/svecheck" "$root/bin/vsockcat" \
	"$root/bin/shmping" "$root/bin/blkbench" "$root/bin/netbench"
mkdir -p "$(dirname "$out")"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$out"
echo "mkinitramfs: $out ($(stat -c %s "$out") bytes)" >&2
