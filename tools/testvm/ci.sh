#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make ci: make check, then make check-debug even when make check failed
# (the two find different bugs), then one line adding up both summaries,
# "N passed, N failed", as the last line. Exit status 1 on any failure.
#
# Usage: ci.sh MAKE
set -uo pipefail

make=${1:-make}
cd "$(dirname "$0")/../.."
mkdir -p build

pass=0 fail=0 rc=0
for target in check check-debug; do
	echo "=== make $target"
	start=$SECONDS
	$make "$target" 2>&1 | tee "build/ci-$target.out"
	[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
	echo "=== make $target: $((SECONDS - start))s"
	# A target that died before its summary still counts as one failure.
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "build/ci-$target.out" | tail -n 1)
	if [ -n "$summary" ]; then
		set -- $summary
		pass=$((pass + $1)) fail=$((fail + $3))
	else
		fail=$((fail + 1)) rc=1
	fi
done

[ "$fail" -eq 0 ] || rc=1
echo "$pass passed, $fail failed"
exit $rc
