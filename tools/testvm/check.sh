#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: host unit tests, static checks, then the test VMs (booted
# side by side: each Bochs is one host thread), then one summary whose
# last line is "N passed, N failed, N skipped". Exit status 1 on any
# failure.
#
#   check.sh --build DIR [--kver VER] [--units "BINARIES"] [--cpus "1 2"]
#            [--split N] [--static "MAKE-TARGETS" --kdir KDIR]
#            [--backend B] [--timeout S] [--model M] [--name NAME]
#            [--kernel K --modules D --module KO --cmdline-extra "ARGS"]
#            [--time-scale N] [--megs MIB] [--kvm-selftests]
#
# The VMs: for --cpus 1, N VMs with 1 CPU (--split N, default 2) that
# share the 1cpu tests of tests.list between them, balanced by their time
# bounds times their runs (tests.sh list 1cpu PART/N); for --cpus 2, one
# VM with 2 CPUs running the 2cpu tests. They are named NAME-1cpu-PART
# (NAME-1cpu when N is 1) and NAME-2cpu; each boots, loads and unloads
# minikvm and judges its own kernel log, so its check.* lines are its own.
#
# make check-debug (check-debug.sh) calls this with the debug kernel's
# options, which go to test-vm.sh unchanged, no --units and no --static
# (neither depends on the kernel the VM boots), and --name check-debug, so
# its VM directories are build/vm-check-debug-* next to make check's.
#
# --kvm-selftests (make check) has the 2-CPU VM run, after its own tests,
# Linux's own KVM selftests of kvm-selftests.list's run column "check"
# (kvm-selftests.sh builds them once, cached) on KVM, then on minikvm
# behind /dev/kvm, judged by kvm-selftests.awk against the list's kvm and
# minikvm columns: no VM of their own, so no second boot. Without a 2-CPU
# VM (--cpus 1) they are not run.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build= kver= units= cpus_list="1 2" split=2 vm_args=() name=check kernel_label= static= kdir= kst=
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift ;;
	--kver) kver=$2; shift ;;
	--units) units=$2; shift ;;
	--static) static=$2; shift ;;
	--kdir) kdir=$2; shift ;;
	--kvm-selftests) kst=1 ;;
	--cpus) cpus_list=$2; shift ;;
	--split) split=$2; shift ;;
	--name) name=$2; shift ;;
	--kernel) kernel_label=" (kernel $2)"; vm_args+=("$1" "$2"); shift ;;
	--backend|--timeout|--model|--modules|--module|--cmdline-extra|--time-scale|--megs)
		vm_args+=("$1" "$2"); shift ;;
	*) echo "check: unknown argument $1" >&2; exit 1 ;;
	esac
	shift
done
[ -n "$build" ] || { echo "check: --build is required" >&2; exit 1; }
[ -n "$kver" ] || [ ! -s "$build/kver" ] || kver=$(cat "$build/kver")
[ -z "$kver" ] || vm_args+=(--kver "$kver")
case "$split" in [1-9]) ;; *) echo "check: --split takes 1 to 9" >&2; exit 1 ;; esac

pass=0 fail=0 skip=0
tally() {	# the last line of a result block is "COUNT p f s" or "UNIT p f"
	local file=$1 tag p f s
	read -r tag p f s < <(tail -n 1 "$file")
	[ "$tag" = COUNT ] || [ "$tag" = UNIT ] || { p=0 f=1 s=0; echo "FAIL  no result block in $file"; }
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + ${s:-0}))
	sed '$d' "$file"
}

# The VMs as "label cpus group share": started first, so that they boot
# while the host runs the unit tests and static checks.
vms=()
for c in $cpus_list; do
	case "$c" in
	1)
		if [ "$split" -eq 1 ]; then
			vms+=("1cpu 1 1cpu 1/1")
		else
			for p in $(seq 1 "$split"); do vms+=("1cpu-$p 1 1cpu $p/$split"); done
		fi
		;;
	2) vms+=("2cpu 2 2cpu 1/1") ;;
	*) echo "check: --cpus takes 1, 2 or \"1 2\"" >&2; exit 1 ;;
	esac
done

declare -A pids
kst_args=()
if [ -n "$kst" ] && [[ " $cpus_list " == *" 2 "* ]]; then
	kst_dir=$("$here/kvm-selftests.sh" 2 2> "$build/kst-build.log") ||
		{ cat "$build/kst-build.log"; echo "FAIL  kvm-selftests did not build"; exit 1; }
	# Host time: about 700 s of the VM's own tests and 600 s of these on
	# a loaded 2-core host; the tests' own bounds are guest seconds
	# (kvm-selftests.list). A --timeout in the arguments comes later and wins.
	kst_args=(--kvm-selftests "$kst_dir" --timeout 3000)
elif [ -n "$kst" ]; then
	echo "== Linux's KVM selftests not run: they run in the 2-CPU VM (--cpus 2)"
	kst=
fi
for v in "${vms[@]}"; do
	read -r label c group share <<< "$v"
	# 1-CPU VMs: the noapicv tests of their share again, enable_apicv=0;
	# the 2-CPU VM: Linux's KVM selftests after its own.
	extra=()
	[ "$c" = 1 ] && extra=(--noapicv)
	[ "$c" = 2 ] && extra=("${kst_args[@]}")
	"$here/test-vm.sh" --build "$build" --mode check --cpus "$c" --group "$group" \
		--share "$share" --name "$name-$label" "${extra[@]}" "${vm_args[@]}" \
		> "$build/vm-$name-$label.out" 2>&1 &
	pids[$label]=$!
done

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

for v in "${vms[@]}"; do
	read -r label c group share <<< "$v"
	wait "${pids[$label]}"
	rc=$?
	tests=$("$here/tests.sh" names "$group" "$share")
	echo "== test VM $label${kernel_label}: $c CPU(s), $(wc -w <<< "$tests") tests of $group"
	cat "$build/vm-$name-$label.out"
	again=
	if [ "$c" = 1 ]; then
		marked=" $("$here/tests.sh" noapicv) "
		for t in $tests; do
			case "$marked" in *" $t "*) again="$again $t" ;; esac
		done
	fi
	awk -v vm="$label" -v tests="$tests" -v devs="minikvm kvm" -v vmrc="$rc" \
		-v noapicv="$again" \
		-f "$here/results.awk" "$build/vm-$name-$label/console.log" > "$build/vm-$name-$label.res"
	tally "$build/vm-$name-$label.res"
	if grep -q '^FAIL' "$build/vm-$name-$label.res"; then
		echo "   console log: $build/vm-$name-$label/console.log"
	fi
	if [ -n "$kst" ] && [ "$c" = 2 ]; then
		echo "== test VM $label: Linux's KVM selftests (kvm-selftests.list, run \"check\") on kvm and minikvm"
		awk -v gate=1 -v embedded=1 -v list="$here/kvm-selftests.list" \
			-f "$here/kvm-selftests.awk" "$build/vm-$name-$label/console.log" \
			> "$build/vm-$name-$label.kst.res"
		tally "$build/vm-$name-$label.kst.res"
	fi
done

# Per-VM wall times and where they went (test-vm.sh's timeline): boot to
# /init, the selftests (the three costliest named, both devices summed),
# and what follows them (rmmod, kmemleak scans, the kernel-log checks).
for v in "${vms[@]}"; do
	read -r label _ <<< "$v"
	echo "   VM $name-$label: $(cat "$build/vm-$name-$label/elapsed" 2>/dev/null || echo '?')s wall$(
		awk -f "$here/timeline.awk" "$build/vm-$name-$label/timeline" 2>/dev/null)"
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
