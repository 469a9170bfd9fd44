#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-compare: the exit benchmarks (exit_bench, mmu_bench) of an
# older minikvm beside this tree's and KVM's, in ONE boot of the test VM,
# so that the before and after share everything else of the boot: make
# bench's figures differed by 20-30% between its boots, too much to judge
# a 5% change across two of them.
#
#   bench-compare.sh --build DIR --kdir KDIR --base REV [test-vm.sh options]
#
# minikvm.ko of revision REV is built from a git archive of it in
# DIR/base-module, against KDIR, the kernel headers make builds this
# tree's minikvm.ko against (the test VM's kernel). The test VM (1 CPU,
# mitigations=off) runs, one module loaded at a time: REV, this tree,
# KVM, REV again, this tree again (test-vm.sh --mode bench-compare), with
# this tree's benchmark programs on all of them. bench-compare-summary.sh
# prints the figures with the ratio this tree / REV.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build= kdir= base= args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift ;;
	--kdir) kdir=$2; shift ;;
	--base) base=$2; shift ;;
	*) args+=("$1") ;;
	esac
	shift
done
[ -n "$build" ] && [ -n "$kdir" ] && [ -n "$base" ] ||
	{ echo "bench-compare: --build, --kdir and --base are required" >&2; exit 1; }

rev=$(git -C "$top" rev-parse --short "$base^{commit}") ||
	{ echo "bench-compare: no revision $base" >&2; exit 1; }
head=$(git -C "$top" describe --always --dirty)

# A directory of its own: kbuild writes objects next to their sources.
mod=$build/base-module
rm -rf "$mod"
mkdir -p "$mod"
git -C "$top" archive "$rev" | tar -C "$mod" -x
echo "bench-compare: building minikvm.ko of $rev in $mod"
make -s -C "$kdir" M="$mod" W=1 -j2 modules ||
	{ echo "bench-compare: minikvm.ko of $rev does not build against $kdir" >&2; exit 1; }

"$here/test-vm.sh" --build "$build" --mode bench-compare --cpus 1 --name bench-compare \
	--base-module "$mod/minikvm.ko" --cmdline-extra mitigations=off "${args[@]}"
rc=$?
"$here/bench-compare-summary.sh" "$build/vm-bench-compare/console.log" "$rev" "$head" || rc=1
exit $rc
