#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run host-side unit tests (ASan/UBSan builds), print one line per case in
# the same form as the VM results, and a count on the last line:
#   UNIT <pass> <fail>
set -u
pass=0 fail=0
# Fuzz targets (*_fuzz) run for a bounded time each: FUZZ_SECONDS.
fuzz_seconds=${FUZZ_SECONDS:-20}
for t in "$@"; do
	name=$(basename "$t")
	case "$name" in
	*_fuzz)
		out=$("$t" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
			-artifact_prefix="${TMPDIR:-/tmp}/minikvm-$name-" 2>&1)
		rc=$?
		execs=$(printf '%s\n' "$out" | sed -n 's/^stat::number_of_executed_units: *//p')
		if [ "$rc" -eq 0 ]; then
			echo "PASS  host    $name (${execs:-?} inputs in ${fuzz_seconds}s)"
			pass=$((pass + 1))
		else
			echo "FAIL  host    $name (exit $rc)"
			printf '%s\n' "$out" | grep -v '^#' | tail -n 30 | sed 's/^/      /'
			fail=$((fail + 1))
		fi
		continue
		;;
	esac
	out=$(ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 "$t" 2>&1)
	rc=$?
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
