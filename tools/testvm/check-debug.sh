#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-debug: the same selftests on both devices as make check, in
# the same test VM, but booting the debug kernel of debug-kernel.sh (KASAN,
# lockdep, kmemleak), with minikvm.ko built for that kernel. Ends with
# "N passed, N failed, N skipped"; exit status 1 on any failure.
#
#   check-debug.sh --build DIR [--jobs N] [check.sh options: --cpus,
#                  --split, --backend, --timeout, --model]
#
# 1-CPU VMs only by default: under Bochs a KASAN + lockdep kernel boots
# several times slower than the cloud kernel, and a second emulated CPU
# doubles that again. lockdep finds a lock-order inversion from the order
# locks were taken in, without needing the race, so 1 CPU still sees it.
# Two of them (--split 2) share the 1cpu tests of tests.list, balanced by
# their time bounds times their runs (tests.sh), and run at the same
# time, one per host core; each judges its own kernel log, taint,
# kmemleak scans and lockdep state.
# 1 GiB of guest memory: each kmemleak scan reads all of it (and KASAN's
# shadow of it), and the selftests need far less.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build= jobs=2 args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift ;;
	--jobs) jobs=$2; shift ;;
	*) args+=("$1") ;;
	esac
	shift
done
[ -n "$build" ] || { echo "check-debug: --build is required" >&2; exit 1; }

fail() {
	echo "FAIL  vm       debug check-debug.$1"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
}

echo "== debug kernel"
start=$SECONDS
kdir=$("$here/debug-kernel.sh" "$jobs") || fail "kernel (debug-kernel.sh failed, see above)"
krel=$(cat "$kdir/kernelrelease")
echo "   $krel in $kdir ($((SECONDS - start))s)"

# kbuild writes objects next to their sources, so building the checkout for
# this kernel would overwrite make check's minikvm.ko for the cloud kernel.
# The module sources are copied into a directory of their own instead.
mod=$build/debug-module
rm -rf "$mod"
mkdir -p "$mod"
tar -C "$top" -c --exclude=./build --exclude=./.git --exclude=./.ci \
	--exclude=./selftests --exclude=./tools --exclude=./userspace --exclude=./Documentation \
	--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
	--exclude='.*.cmd' --exclude=modules.order --exclude=Module.symvers . |
	tar -C "$mod" -x
make -s -C "$kdir/src" M="$mod" W=1 -j"$jobs" modules ||
	fail "module (minikvm.ko does not build for $krel)"

# kasan_multi_shot: KASAN otherwise prints only its first report, and one
# from the boot would hide minikvm's. The emulated CPU is slow enough that
# RCU would call long boot steps stalls, and a stall warning must not be
# taken for a bug, nor a bug for a stall. loglevel=2 keeps KASAN, lockdep and
# kmemleak reports (and WARNs) off the serial console, where they would cut
# into the selftests' KTAP lines; /init reads them from the kernel log
# after the tests, and panics and oopses (emergency, alert) still show.
#
# Clock: Bochs' corei7_skylake_x reports (CPUID 0x15/0x16) a 3.5 GHz TSC
# and a crystal that the local APIC timer does not run at, while its TSC
# counts instructions (200 MHz at ips=200000000). Linux trusts CPUID, so
# time on the tsc-early clocksource crawled and the APIC timer fired about
# 17 times per tick; the cloud kernel gets away with it because its
# clocksource watchdog drops the TSC. tsc_early_khz skips the CPUID path,
# so the APIC timer is calibrated against the PM timer, and tsc=unstable
# keeps time on the HPET.
exec "$here/check.sh" --build "$build" --name check-debug \
	--kernel "$kdir/bzImage" --modules "$kdir/modules/lib/modules/$krel/kernel" \
	--module "$mod/minikvm.ko" \
	--cmdline-extra "loglevel=2 kasan_multi_shot rcupdate.rcu_cpu_stall_suppress=1 rcupdate.rcu_task_stall_timeout=0 tsc_early_khz=200000 tsc=unstable" \
	--cpus 1 --split 2 --timeout 3600 --time-scale 5 --megs 1024 "${args[@]}"
