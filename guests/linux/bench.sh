#!/bin/sh
# Macro benchmarks inside the Linux guest (hyparm.test=bench), timed with the
# guest's own clock (/proc/uptime, driven by the virtual counter):
#   cpu: md5sum over 64 MiB of zeros piped from dd (CPU-bound)
#   mem: copy a 64 MiB tmpfs file four times (memory-bound)
# Prints: BENCH-LINUX <name> <seconds>
up() { cut -d' ' -f1 /proc/uptime; }
elapsed() { echo "$1 $2" | awk '{ printf "%.3f", $2 - $1 }'; }

t0=$(up)
dd if=/dev/zero bs=1M count=64 2>/dev/null | md5sum >/dev/null
t1=$(up)
echo "BENCH-LINUX cpu_md5_64MiB $(elapsed "$t0" "$t1")"

dd if=/dev/zero of=/tmp/a bs=1M count=64 2>/dev/null
t0=$(up)
for i in 1 2 3 4; do
	dd if=/tmp/a of=/tmp/b bs=1M 2>/dev/null
done
t1=$(up)
rm -f /tmp/a /tmp/b
echo "BENCH-LINUX mem_copy_4x64MiB $(elapsed "$t0" "$t1")"
