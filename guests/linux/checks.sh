# Checks run inside a Linux guest under hyparm (hyparm.test=smp). Each line
# "PASS: ..." or "FAIL: ..."; the last "RESULT: N passed, M failed".
pass=0 fail=0
check() { # check "what" command...
	what=$1; shift
	if "$@"; then echo "PASS: $what"; pass=$((pass + 1)); else echo "FAIL: $what"; fail=$((fail + 1)); fi
}
want_cpus=1
for arg in $(cat /proc/cmdline); do
	case "$arg" in hyparm.cpus=*) want_cpus=${arg#hyparm.cpus=} ;; esac
done
n=$(nproc)
check "nproc is $want_cpus (got $n)" [ "$n" = "$want_cpus" ]

# Every CPU's arch timer and (with SMP) rescheduling IPIs must be counting.
counts_positive() { # name of a /proc/interrupts line
	line=$(grep "$1" /proc/interrupts | head -1)
	[ -n "$line" ] || return 1
	set -- $line
	shift
	i=0
	while [ $i -lt $n ]; do
		[ "$1" -gt 0 ] 2>/dev/null || return 1
		shift; i=$((i + 1))
	done
}
sleep 1
check "arch timer interrupts on every CPU" counts_positive arch_timer
if [ "$n" -gt 1 ]; then
	check "IPIs on every CPU" counts_positive "Rescheduling interrupts"
fi

# A 2 s sleep must take 2 s of guest time, within 20%: one nanosleep timed by the counter around
# it in the same process (a shell's `sleep` between two readings of /proc/uptime also timed three
# process start-ups, which on a loaded host took more than the 400 ms margin).
ms=$(/bin/cpuspin sleep 2000 | sed -n 's/^CPUSPIN slept //p')
check "a 2 s sleep took ${ms} ms" [ "${ms:-0}" -ge 1600 -a "${ms:-0}" -le 2400 ]

# A CPU-bound job pinned to each CPU gives the right answer.
cpu=0
while [ $cpu -lt $n ]; do
	r=$(taskset -c $cpu awk 'BEGIN { s = 0; for (i = 1; i <= 200000; i++) s += i % 7; print s }')
	check "CPU-bound job on CPU $cpu (got $r)" [ "$r" = "599997" ]
	cpu=$((cpu + 1))
done
# The clock comes from the virtual PL031 (the board's RTC at boot, as QEMU's): not 1970.
y=$(date +%Y)
check "date says the year is $y (2024 or later)" [ "$y" -ge 2024 ]
hw=$(hwclock -r 2>&1)
check "hwclock -r: $hw" sh -c "echo '$hw' | grep -Eq '20[2-9][0-9]'"
echo "RESULT: $pass passed, $fail failed"
