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
	line=$(grep -E '^(unit|fuzz|format|integration): [0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	total_pass=$((total_pass + $(echo "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/')))
	total_fail=$((total_fail + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
}
if ! bash scripts/setup-deps.sh; then
	echo "setup failed: see above"; total_fail=1; finish
fi
if ! make -j2 all hyparm-test-hooks linux; then
	echo "build failed"; total_fail=$((total_fail + 1)); finish
fi
log=$(mktemp)
make -s unit 2>&1 | tee "$log"
count "$log"
bash scripts/format-check.sh 2>&1 | tee "$log"
if grep -qE '^format: [0-9]+ passed' "$log"; then count "$log"; else total_fail=$((total_fail + 1)); fi
make -s fuzz-smoke 2>&1 | tee "$log"
if grep -qE '^fuzz: ' "$log"; then count "$log"; else echo "fuzzers did not build"; total_fail=$((total_fail + 1)); fi
rm -f "$log"
# The integration tests are pytest's; its JUnit XML is what is counted. No XML, or
# pytest ending otherwise than "all passed" / "some failed" (5 = no test ran,
# 2 = interrupted, 3/4 = internal or usage error) with no failure counted, is a failure.
PYTHON=${PYTHON:-/usr/bin/python3}
xml=build/test-results/integration.xml
mkdir -p build/test-results
rm -f "$xml"
"$PYTHON" -m pytest tests/integration -q --durations=0 --junitxml="$xml"
rc=$?
counts=$([ -f "$xml" ] && "$PYTHON" - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
n = lambda k: sum(int(s.get(k, 0)) for s in suites)
bad = n("failures") + n("errors")
print(n("tests") - bad - n("skipped"), bad)
PY
)
if [ -n "$counts" ]; then
	set -- $counts
	ipass=$1 ifail=$2
else
	ipass=0 ifail=0
fi
if [ $rc -ne 0 ] && [ $rc -ne 1 ] && [ "$ifail" -eq 0 ]; then
	ifail=1
fi
[ $rc -eq 1 ] && [ "$ifail" -eq 0 ] && ifail=1
echo "integration: $ipass passed, $ifail failed (pytest exit $rc)"
total_pass=$((total_pass + ipass)) total_fail=$((total_fail + ifail))
finish
