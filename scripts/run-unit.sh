#!/usr/bin/env bash
# Runs the cmocka unit-test binaries given as arguments; prints
# "unit: N passed, M failed" (counted tests; a binary that crashes counts as
# one failure) and exits non-zero if anything failed.
passed=0 failed=0
for bin in "$@"; do
	out=$("$bin" 2>&1)
	rc=$?
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' | tail -1)
	p=${p:-0} f=${f:-0}
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1   # crashed or aborted before cmocka could count
	fi
	passed=$((passed + p)) failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $(basename "$bin"):"
		printf '%s\n' "$out" | grep -E 'FAILED|ERROR|error|Failure|runtime error|Sanitizer' | head -20
	else
		echo "PASS $(basename "$bin") ($p tests)"
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
