#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make ci: make check and make check-debug, both run to the end even when
# one fails (the two find different bugs), then one line adding up both
# summaries, "N passed, N failed, N skipped", as the last line, after the
# FAIL lines of both again. Exit status 1 on any failure.
#
# The two overlap: after one "make all", make check-debug starts in the
# background (the debug module's build, then its two 1-CPU VMs) while make
# check runs its unit tests, static checks and three VMs; the host's cores
# are shared by all of them instead of idling behind the longest VM of
# each target. make check's output is shown as it comes, make
# check-debug's when it ends (it is kept in build/ci-check-debug.out).
#
# Usage: ci.sh [MAKE]
set -uo pipefail

make=${1:-make}
cd "$(dirname "$0")/../.."
mkdir -p build

# Both targets want the same programs: build them once, not twice at once.
echo "=== make all"
$make --no-print-directory all || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

start=$SECONDS
$make --no-print-directory check-debug > build/ci-check-debug.out 2>&1 &
debug_pid=$!

echo "=== make check"
$make --no-print-directory check 2>&1 | tee build/ci-check.out
check_rc=${PIPESTATUS[0]}
echo "=== make check: $((SECONDS - start))s"

wait "$debug_pid"
debug_rc=$?
echo "=== make check-debug (started with make check)"
cat build/ci-check-debug.out
echo "=== make check-debug: $((SECONDS - start))s"

pass=0 fail=0 skip=0 rc=0
[ "$check_rc" -eq 0 ] && [ "$debug_rc" -eq 0 ] || rc=1
for target in check check-debug; do
	# The last summary line; a target that died before it counts as one
	# failure.
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' \
		"build/ci-$target.out" | tail -n 1)
	if [ -n "$summary" ]; then
		read -r p _ f _ s _ <<< "${summary//,/}"
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + ${s:-0}))
	else
		fail=$((fail + 1)) rc=1
	fi
done

[ "$fail" -eq 0 ] || rc=1
# Every FAIL line of both targets again, just above the summary: a reader
# of the log's tail alone (CI shows its head and tail) sees them all.
fails=$(grep -h -a '^FAIL' build/ci-check.out build/ci-check-debug.out)
if [ -n "$fails" ]; then
	echo "=== the failures of make check and make check-debug, again:"
	cut -c 1-400 <<< "$fails" | head -n 40
fi
echo "=== make ci: $((SECONDS - start))s after make all"
echo "$pass passed, $fail failed, $skip skipped"
exit $rc
