#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make kvm-selftests: build (once, cached) Linux's own KVM selftests, boot
# ONE 2-CPU test VM that runs all those of kvm-selftests.list on KVM's
# /dev/kvm and then on minikvm behind /dev/kvm, and print one line per
# test and device and a table of both. A report: make check runs the
# list's run column "check" as a gate in its own 2-CPU VM (check.sh).
#
# Usage: kvm-selftests-run.sh --build DIR [test-vm.sh arguments ...]
#        (--only "TEST BOUND" runs that one test)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" != --build ] || [ -z "${2:-}" ]; then
	echo "usage: $0 --build DIR [test-vm.sh args]" >&2
	exit 1
fi
build=$2
shift 2

kst=$("$here/kvm-selftests.sh" 2)

# The VM's bound, in host time: the tests' own bounds are guest seconds,
# and under Bochs the guest's clock all but stops while a KVM guest runs
# (kvm-selftests.list). 40 minutes hold the listed tests on both devices
# on a loaded 2-core host; --timeout in the arguments overrides it.
timeout=2400

rc=0
"$here/test-vm.sh" --build "$build" --mode kvm-selftests --cpus 2 \
	--name kvm-selftests --timeout "$timeout" --kvm-selftests "$kst" "$@" || rc=$?
console=$build/vm-kvm-selftests/console.log
grep -a '^MINIKVM-CHECK' "$console" | sed 's/^MINIKVM-CHECK /check: /' || true
awk -v list="$here/kvm-selftests.list" -f "$here/kvm-selftests.awk" "$console" || rc=1
exit $rc
