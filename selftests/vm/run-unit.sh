#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run host-side unit tests (ASan/UBSan builds), print one line per case in
# the same form as the VM results, and a count on the last line:
#   UNIT <pass> <fail>
set -u
pass=0 fail=0
for t in "$@"; do
	out=$(ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 "$t" 2>&1)
	rc=$?
	name=$(basename "$t")
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	printf '%s\n' "$out" | sed -n "s/^ok [0-9]* \(.*\)/PASS  host    $name.\1/p; s/^not ok [0-9]* \(.*\)/FAIL  host    $name.\1/p"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL  host    $name (exit $rc)"
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/      /'
		f=$((f + 1))
	fi
	pass=$((pass + p)) fail=$((fail + f))
done
echo "UNIT $pass $fail"
