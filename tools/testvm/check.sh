#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: host unit tests, then the test VM with 1 and 2 CPUs (booted
# side by side: each Bochs is one host thread), then one summary ending in
# "N passed, N failed". Exit status 1 on any failure.
#
#   check.sh --build DIR --kver VER --units "BINARIES" [--cpus 1|2]
#            [--static "MAKE-TARGETS" --kdir KDIR]
#            [--backend B] [--timeout S] [--model M] [--name NAME]
#            [--kernel K --modules D --module KO --cmdline-extra "ARGS"]
#            [--time-scale N] [--megs MIB]
#
# make check-debug (check-debug.sh) calls this with the debug kernel's
# options, which go to test-vm.sh unchanged, no --units and no --static
# (neither depends on the kernel the VM boots), and --name check-debug, so
# its VM directories are build/vm-check-debug-<n>cpu next to make check's.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build= kver= units= cpus_list="1 2" vm_args=() name=check kernel_label= static= kdir=
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift ;;
	--kver) kver=$2; shift ;;
	--units) units=$2; shift ;;
	--static) static=$2; shift ;;
	--kdir) kdir=$2; shift ;;
	--cpus) cpus_list=$2; shift ;;
	--name) name=$2; shift ;;
	--kernel) kernel_label=" (kernel $2)"; vm_args+=("$1" "$2"); shift ;;
	--backend|--timeout|--model|--modules|--module|--cmdline-extra|--time-scale|--megs)
		vm_args+=("$1" "$2"); shift ;;
	*) echo "check: unknown argument $1" >&2; exit 1 ;;
	esac
	shift
done

pass=0 fail=0 skip=0
tally() {	# the last line of a result block is "COUNT p f s" or "UNIT p f"
	local file=$1 tag p f s
	read -r tag p f s < <(tail -n 1 "$file")
	[ "$tag" = COUNT ] || [ "$tag" = UNIT ] || { p=0 f=1 s=0; echo "FAIL  no result block in $file"; }
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + ${s:-0}))
	sed '$d' "$file"
}

if [ -n "$units" ]; then
	echo "== host unit tests (ASan + UBSan)"
	# shellcheck disable=SC2086
	"$here/run-unit.sh" $units > "$build/unit.out" 2>&1
	tally "$build/unit.out"
fi

if [ -n "$static" ]; then
	echo "== static checks"
	# shellcheck disable=SC2086
	"$here/run-static.sh" "$kdir" $static > "$build/static.out" 2>&1
	tally "$build/static.out"
fi

declare -A pids
for c in $cpus_list; do
	"$here/test-vm.sh" --build "$build" --kver "$kver" --mode check --cpus "$c" \
		--name "$name-${c}cpu" "${vm_args[@]}" > "$build/vm-$name-${c}cpu.out" 2>&1 &
	pids[$c]=$!
done
for c in $cpus_list; do
	wait "${pids[$c]}"
	rc=$?
	echo "== test VM${kernel_label}, $c CPU(s)"
	cat "$build/vm-$name-${c}cpu.out"
	tests=$(grep -v '^#' "$here/tests.list" |
		awk -v vm="${c}cpu" '{ for (i = 3; i <= NF; i++) if ($i == vm) print $1 }' | xargs)
	awk -v vm="${c}cpu" -v tests="$tests" -v devs="minikvm kvm" -v vmrc="$rc" \
		-f "$here/results.awk" "$build/vm-$name-${c}cpu/console.log" > "$build/vm-$name-${c}cpu.res"
	tally "$build/vm-$name-${c}cpu.res"
	if grep -q '^FAIL' "$build/vm-$name-${c}cpu.res"; then
		echo "   console log: $build/vm-$name-${c}cpu/console.log"
	fi
done

echo "$skip skipped (counted as passed: each skip names its documented reason)"
echo "$((pass + skip)) passed, $fail failed"
[ "$fail" -eq 0 ]
