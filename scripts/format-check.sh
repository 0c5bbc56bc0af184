#!/usr/bin/env bash
# The style check of `make test`: every C file as .clang-format wants it.
# Prints "format: 1 passed, 0 failed" or the files that differ (fix with: make format).
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h' | grep -v '^fuzz/corpus/\|^tests/unit/data/')
bad=()
for f in $files; do
	clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -eq 0 ]; then
	echo "format: 1 passed, 0 failed"
	exit 0
fi
echo "format: these files differ from .clang-format (make format fixes them):"
printf '  %s\n' "${bad[@]}"
echo "format: 0 passed, 1 failed"
exit 1
