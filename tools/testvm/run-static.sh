#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Static checks before the test VM: run "make <target>" for each named
# target (sparse, checkpatch), print one result line per target in the
# form of the VM results, the output of a failing one indented under it,
# and a count on the last line:
#   UNIT <pass> <fail>
#
#   run-static.sh KDIR TARGET...
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
kdir=$1
shift
pass=0 fail=0
for t in "$@"; do
	if out=$(make -s --no-print-directory -C "$top" KDIR="$kdir" "$t" 2>&1); then
		echo "PASS  host    static.$t"
		pass=$((pass + 1))
	else
		echo "FAIL  host    static.$t"
		printf '%s\n' "$out" | grep -v '^make' | head -n 40 | sed 's/^/      /'
		fail=$((fail + 1))
	fi
done
echo "UNIT $pass $fail"
