#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The one reader of tests.list: every script that needs to know which
# selftests a test VM runs asks this one (test-vm.sh for the VM's /init,
# check.sh for the results it expects, check-debug.sh).
#
#   tests.sh list GROUP [PART/PARTS] [SCALE]
#       "name bound" per line, in tests.list order, for the tests of GROUP
#       (1cpu or 2cpu); bound is the time bound in seconds times SCALE
#       (default 1). With PART/PARTS (default 1/1) only the share of VM
#       number PART when PARTS VMs split GROUP between them: the
#       heaviest first, each to the VM with the least total weight so
#       far, so the shares are balanced by their time bounds. A test's
#       weight is its bound times its runs: 2 (minikvm, then KVM), or in
#       the 1cpu group 4 for a test marked noapicv (minikvm-noapicv and
#       minikvm-vid after those). By bound alone, one of make check's two
#       1-CPU VMs got every irq_* test, ran 1398 s to the other's 529 and
#       came within a few percent of its 1500 s timeout.
#   tests.sh names GROUP [PART/PARTS]
#       the same tests, names only, on one line
#   tests.sh noapicv
#       the names, on one line, of the tests marked noapicv: a 1-CPU VM
#       of make check runs those of its share twice more, on minikvm
#       loaded with enable_apicv=0, then enable_vid=1 enable_x2apic_virt=1
#       (test-vm.sh --noapicv)
#   tests.sh check
#       tests.list against the tree: every selftests/*_test.c listed once,
#       every listed test has a source, every line has a bound and a group,
#       and selftests/settings' kselftest timeout covers the largest bound.
#       Prints what is wrong; exit status 1 then.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
list=${MINIKVM_TESTS_LIST:-$here/tests.list}

usage() {
	echo "usage: tests.sh list|names GROUP [PART/PARTS] [SCALE] | tests.sh noapicv|check" >&2
	exit 2
}

# GROUP PART PARTS SCALE -> "name bound" lines
select_tests() {
	awk -v group="$1" -v part="$2" -v parts="$3" -v scale="$4" '
	/^[ \t]*(#|$)/ { next }
	{
		runs = 2
		for (i = 3; i <= NF; i++)
			if ($i == "noapicv" && group == "1cpu")
				runs = 4
		for (i = 3; i <= NF; i++)
			if ($i == group) {
				n++; name[n] = $1; bound[n] = $2; weight[n] = runs * $2
			}
	}
	END {
		for (p = 1; p <= parts; p++)
			load[p] = 0
		# Heaviest first (insertion sort, stable for equal weights).
		for (i = 1; i <= n; i++)
			order[i] = i
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && weight[order[j]] > weight[order[j - 1]]; j--) {
				t = order[j]; order[j] = order[j - 1]; order[j - 1] = t
			}
		for (k = 1; k <= n; k++) {
			best = 1
			for (p = 2; p <= parts; p++)
				if (load[p] < load[best])
					best = p
			owner[order[k]] = best
			load[best] += weight[order[k]]
		}
		for (i = 1; i <= n; i++)
			if (owner[i] == part)
				print name[i], bound[i] * scale
	}' "$list"
}

cmd=${1:-}
case "$cmd" in
list|names)
	[ $# -ge 2 ] || usage
	group=$2 share=${3:-1/1} scale=${4:-1}
	part=${share%/*} parts=${share#*/}
	case "$group" in 1cpu|2cpu) ;; *) echo "tests.sh: no group $group" >&2; exit 2 ;; esac
	case "$part/$parts" in
	*[!0-9/]*|/*|*/) echo "tests.sh: bad share $share" >&2; exit 2 ;;
	esac
	[ "$part" -ge 1 ] && [ "$part" -le "$parts" ] ||
		{ echo "tests.sh: bad share $share" >&2; exit 2; }
	if [ "$cmd" = list ]; then
		select_tests "$group" "$part" "$parts" "$scale"
	else
		select_tests "$group" "$part" "$parts" 1 | awk '{ printf "%s%s", (NR > 1 ? " " : ""), $1 } END { print "" }'
	fi
	;;
noapicv)
	awk '!/^[ \t]*(#|$)/ { for (i = 3; i <= NF; i++) if ($i == "noapicv") print $1 }' "$list" |
		awk '{ printf "%s%s", (NR > 1 ? " " : ""), $1 } END { print "" }'
	;;
check)
	bad=$(
		awk '
		/^[ \t]*(#|$)/ { next }
		{
			if ($2 !~ /^[0-9]+$/ || $2 == 0)
				print "tests.list: " $1 ": time bound \"" $2 "\" is not a number of seconds"
			groups = 0
			for (i = 3; i <= NF; i++)
				if ($i == "1cpu" || $i == "2cpu")
					groups++
				else if ($i != "noapicv")
					print "tests.list: " $1 ": unknown VM group " $i
			if (!groups)
				print "tests.list: " $1 ": no VM group (1cpu, 2cpu)"
			if (seen[$1]++)
				print "tests.list: " $1 ": listed twice"
		}' "$list"
		listed=$(awk '!/^[ \t]*(#|$)/ { print $1 }' "$list")
		for src in "$top"/selftests/*_test.c; do
			t=$(basename "$src" .c)
			printf '%s\n' "$listed" | grep -qx "$t" || echo "tests.list: $t (selftests/$t.c) is not listed"
		done
		for t in $listed; do
			[ -f "$top/selftests/$t.c" ] || echo "tests.list: $t has no selftests/$t.c"
		done
		max=$(awk '!/^[ \t]*(#|$)/ && $2 > m { m = $2 } END { print m + 0 }' "$list")
		ksft=$(sed -n 's/^timeout=//p' "$top/selftests/settings" 2>/dev/null || true)
		[ -n "$ksft" ] && [ "$ksft" -ge "$max" ] ||
			echo "selftests/settings: timeout=${ksft:-(none)} is below the largest bound in tests.list, $max"
	)
	[ -z "$bad" ] || { printf '%s\n' "$bad"; exit 1; }
	;;
*)
	usage
	;;
esac
