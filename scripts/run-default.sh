#!/usr/bin/env bash
# make run: hyparm in QEMU with the default guests: Debian's stock arm64
# kernel with a busybox initramfs, 2 vCPUs, and you land in its shell.
# 'poweroff' in the guest ends the run; 'reboot' restarts the VM.
# HYPARM_DEMO=baremetal runs two bare-metal guests instead, one per CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
timeout=0
[ -t 0 ] || timeout=${HYPARM_TIMEOUT:-300}
if [ "${HYPARM_DEMO:-linux}" = baremetal ]; then
	exec tools/hyparm-run --timeout "$timeout" \
		--vm -n left -k build/guests/hello.bin --pcpus 0 \
		--vm -n right -k build/guests/smccc.bin --pcpus 1
fi
# The Debian VM's persistent disk (/dev/vda): a small ext4 image made on first use, kept in
# build/ across runs (HYPARM_DISK names another file).
disk=${HYPARM_DISK:-build/debian-disk.img}
if [ ! -f "$disk" ]; then
	mkdir -p "$(dirname "$disk")"
	truncate -s 64M "$disk"
	/sbin/mkfs.ext4 -q -F -L hyparm "$disk"
fi
exec tools/hyparm-run --timeout "$timeout" \
	--vm -n debian -d "$disk" -k deps/linux/Image -i build/linux/initramfs.cpio.gz \
	-p "console=ttyAMA0 quiet" -c 2 -m 512 --pcpus 0,1
