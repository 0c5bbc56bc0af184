#!/usr/bin/env bash
# Runs libFuzzer harnesses: run-fuzz.sh SECONDS BIN...
# For each build/fuzz/fuzz_<name>: replays every file in
# fuzz/regressions/<name>/ (inputs that once crashed it), then fuzzes for
# SECONDS from the seeds in fuzz/corpus/<name>/, keeping what it finds in
# build/fuzz/corpus/<name>/. A crash leaves its input in
# build/fuzz/artifacts/<name>/. Prints one line per harness with its
# executions and "fuzz: N passed, M failed" (one test per harness); exits
# non-zero if any failed.
cd "$(dirname "$0")/.."
secs=$1
shift
passed=0 failed=0
for bin in "$@"; do
	name=${bin##*/fuzz_}
	work=build/fuzz/corpus/$name arts=build/fuzz/artifacts/$name/
	log=build/fuzz/$name.log
	mkdir -p "$work" "$arts" fuzz/corpus/"$name"
	regs=()
	[ -d fuzz/regressions/"$name" ] && regs=(fuzz/regressions/"$name"/*)
	[ -e "${regs[0]-}" ] || regs=()
	if [ ${#regs[@]} -gt 0 ] && ! "$bin" -runs=1 "${regs[@]}" >"$log" 2>&1; then
		echo "FAIL fuzz_$name: a regression input crashes it again:"
		grep -E 'ERROR|runtime error|invariant failed|Running: ' "$log" | head -10
		failed=$((failed + 1))
		continue
	fi
	if nice "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$arts" "$work" fuzz/corpus/"$name" >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
		echo "PASS fuzz_$name (${#regs[@]} regressions; $execs executions in ${secs}s, $rate/s)"
		passed=$((passed + 1))
	else
		echo "FAIL fuzz_$name: crash input in $arts:"
		grep -E 'ERROR|runtime error|invariant failed|SUMMARY|Test unit written' "$log" | head -10
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
