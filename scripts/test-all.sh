#!/usr/bin/env bash
# The README's test command (make test): installs what is missing, builds
# hyparm, the guests and the Linux guest images, runs the unit tests, the
# fuzzers' smoke run (each harness counts as one test) and the QEMU
# integration tests. The last line is "N passed, M failed".
cd "$(dirname "$0")/.."
total_pass=0 total_fail=0
finish() {
	echo "$total_pass passed, $total_fail failed"
	[ "$total_fail" -eq 0 ] && exit 0 || exit 1
}
count() { # pull "N passed, M failed" out of a log line
	local line
	line=$(grep -E '^(unit|fuzz|integration): [0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	total_pass=$((total_pass + $(echo "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/')))
	total_fail=$((total_fail + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
}
if ! bash scripts/setup-deps.sh; then
	echo "setup failed: see above"; total_fail=1; finish
fi
if ! make -j2 all linux; then
	echo "build failed"; total_fail=$((total_fail + 1)); finish
fi
log=$(mktemp)
make -s unit 2>&1 | tee "$log"
count "$log"
make -s fuzz-smoke 2>&1 | tee "$log"
if grep -qE '^fuzz: ' "$log"; then count "$log"; else echo "fuzzers did not build"; total_fail=$((total_fail + 1)); fi
python3 tests/integration/run.py 2>&1 | tee "$log"
if grep -qE '^integration: ' "$log"; then count "$log"; else total_fail=$((total_fail + 1)); fi
rm -f "$log"
finish
