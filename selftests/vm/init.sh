#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the nested test VM. Loads minikvm, runs every listed selftest
# against /dev/minikvm, then loads KVM (kvm_intel) and runs the same tests
# against /dev/kvm, unloads minikvm, and judges the kernel log. Everything
# the host needs is printed on the serial console as marker lines:
#
#   MINIKVM-BEGIN <dev> <test>          test output (KTAP) follows
#   MINIKVM-END <dev> <test> <rc> <Ns>  rc 137: killed at its time bound;
#                                       N: guest seconds it took
#   MINIKVM-CHECK <name> ok|fail [why]  VM-level checks (load, rmmod, log)
#   MINIKVM-DONE                        the host may stop the VM now
set -u
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tmpfs tmp /tmp
export PATH=/bin:/sbin:/usr/bin:/tests

mode=$(cat /etc/minikvm/mode)
mods=/lib/minikvm
echo "MINIKVM-VM: up, $(nproc) CPUs, kernel $(uname -r), mode $mode"
grep -m1 'model name' /proc/cpuinfo
grep -qw vmx /proc/cpuinfo || echo "MINIKVM-VM: warning: no vmx flag in /proc/cpuinfo"

check() {
	echo "MINIKVM-CHECK $*"
}

insmod $mods/msr.ko 2>/dev/null

# Everything logged after this line is judged; before it is the boot.
taint_before=$(cat /proc/sys/kernel/tainted)
echo "MINIKVM-MARK module-load" > /dev/kmsg
if insmod $mods/minikvm.ko; then
	check load ok
else
	check load fail "insmod minikvm.ko failed"
fi
dmesg | grep 'minikvm:' | sed 's/^/MINIKVM-VM: /'

run_tests() {
	dev=$1
	while read -r name timeout _; do
		case "$name" in ''|'#'*) continue ;; esac
		echo "MINIKVM-BEGIN $dev $name"
		t0=$(cut -d. -f1 /proc/uptime)
		timeout -s KILL "$timeout" /tests/"$name" --dev "$dev" 2>&1
		rc=$?
		echo "MINIKVM-END $dev $name $rc $(( $(cut -d. -f1 /proc/uptime) - t0 ))s"
	done < /etc/minikvm/tests
}

# make bench: exit_bench and mmu_bench on each device, their figures
# between markers; the END marker carries the first non-zero exit status.
run_bench() {
	echo "MINIKVM-BENCH-BEGIN $1"
	timeout -s KILL 300 exit_bench --dev "$1" 2>&1
	rc=$?
	timeout -s KILL 300 mmu_bench --dev "$1" 2>&1
	r=$?
	[ "$rc" -eq 0 ] && rc=$r
	echo "MINIKVM-BENCH-END $1 $rc"
}

case "$mode" in
info)
	mkvm --info --dev /dev/minikvm
	mkvm --translate --dev /dev/minikvm
	;;
check)
	[ -c /dev/minikvm ] && run_tests /dev/minikvm
	insmod $mods/irqbypass.ko && insmod $mods/kvm.ko && insmod $mods/kvm-intel.ko
	if [ -c /dev/kvm ]; then
		run_tests /dev/kvm
	else
		check kvm-intel fail "reference device /dev/kvm missing"
	fi
	;;
bench)
	[ -c /dev/minikvm ] && run_bench /dev/minikvm
	insmod $mods/irqbypass.ko && insmod $mods/kvm.ko && insmod $mods/kvm-intel.ko
	[ -c /dev/kvm ] && run_bench /dev/kvm
	;;
esac

if rmmod minikvm; then
	check rmmod ok
else
	check rmmod fail "rmmod minikvm failed"
fi

# The kernel log after the module load: any of these is a failure.
bad='BUG|WARNING|Oops|general protection|soft lockup|hung task|list_add corruption|list_del corruption|list corruption|refcount|KASAN|UBSAN|kmemleak|circular locking|possible recursive locking|sleeping function called'
dmesg | sed -n '/MINIKVM-MARK module-load/,$p' > /tmp/log
if grep -E "$bad" /tmp/log > /tmp/bad; then
	check kernel-log fail "$(wc -l < /tmp/bad) bad lines after module load:"
	sed 's/^/MINIKVM-LOG: bad: /' /tmp/bad | head -n 20
	echo "MINIKVM-LOG: the kernel log after module load:"
	sed 's/^/MINIKVM-LOG: /' /tmp/log | head -n 150
else
	check kernel-log ok
fi

# O (4096, out-of-tree) and E (8192, unsigned) are expected from minikvm.ko.
taint_after=$(cat /proc/sys/kernel/tainted)
gained=$(( taint_after & ~taint_before & ~(4096 | 8192) ))
if [ "$gained" -ne 0 ]; then
	check taint fail "taint $taint_before -> $taint_after (new flags $gained)"
else
	check taint ok
fi

echo "MINIKVM-DONE"
sleep 1
reboot -f
