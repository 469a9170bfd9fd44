#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the nested test VM. Loads minikvm, runs every listed selftest
# against /dev/minikvm, then loads KVM (kvm_intel) and runs the same tests
# against /dev/kvm, and, when test-vm.sh gave it some, Linux's own KVM
# selftests on both, unloads minikvm, and judges the kernel log. Mode
# kvm-selftests runs only Linux's own KVM selftests, on KVM's /dev/kvm
# and then on minikvm's device behind that name; mode bench-compare the
# exit benchmarks on an older minikvm.ko, this one and KVM. Everything
# the host needs is printed on the serial console as marker lines:
#
#   MINIKVM-BEGIN <dev> <test>          test output (KTAP) follows
#   MINIKVM-END <dev> <test> <rc> <Ns>  rc 137: killed at its time bound;
#                                       N: guest seconds it took
#   MINIKVM-CHECK <name> ok|fail [why]  VM-level checks (load, rmmod, log,
#                                       and on the debug kernel lockdep
#                                       and kmemleak)
#   MINIKVM-SHOW <title>                (mode info) a command's output follows,
#   MINIKVM-SHOW-END <rc>               for make run to print
#   MINIKVM-DONE                        the host may stop the VM now
#
# Every wait here is bounded by a clock: a test by its time bound
# (timeout), a pause by guest seconds of /proc/uptime, and the whole VM
# by the host's wall clock (test-vm.sh --timeout).
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

# Wait SECONDS of guest time (/proc/uptime) without an idle sleep, which
# the debug kernel under Bochs was seen never to wake from. The deadline is
# read from the clock, never counted in loop rounds (how many rounds a
# second holds depends on the emulator and the host's load). Should the
# guest clock stand still, the host's wall-clock bound on the VM ends the
# run; the "waiting" line then ends the console log and says where.
pause() {
	now=$(cut -d. -f1 /proc/uptime)
	end=$((now + $1))
	echo "MINIKVM-VM: waiting $1 s of guest time (uptime ${now} s)"
	while [ "$now" -lt "$end" ]; do
		now=$(cut -d. -f1 /proc/uptime)
	done
}
clock_state() {
	echo "MINIKVM-VM: clock: uptime $(cut -d' ' -f1 /proc/uptime)," \
		"clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)," \
		"$(grep -E '^ *(0|LOC):' /proc/interrupts | tr -s ' ' | xargs)"
}
clock_state

insmod $mods/msr.ko 2>/dev/null

# lockdep switches itself off for good after its first report: if the boot
# already did that, a clean log below would prove nothing about locking.
lockdep_on() {
	grep -q 'debug_locks: *1' /proc/lockdep_stats
}
if [ -f /proc/lockdep_stats ] && ! lockdep_on; then
	check lockdep fail "lockdep was already off before minikvm loaded; boot log:"
	dmesg | grep -B2 -A30 -m1 -E 'WARNING|BUG' | sed 's/^/MINIKVM-LOG: /'
fi

# Variables for the tests (test-vm.sh --env, e.g. make fuzz's duration;
# MINIKVM_PARAMS: minikvm.ko's module parameters, commas between them,
# for every load of it but the enable_apicv=0 one).
[ -s /etc/minikvm/env ] && . /etc/minikvm/env
params=$(echo "${MINIKVM_PARAMS:-}" | tr , ' ')

# Everything logged after this line is judged; before it is the boot.
taint_before=$(cat /proc/sys/kernel/tainted)
echo "MINIKVM-MARK module-load" > /dev/kmsg
if insmod $mods/minikvm.ko $params; then
	check load ok
else
	check load fail "insmod minikvm.ko failed"
fi
dmesg | grep 'minikvm:' | sed 's/^/MINIKVM-VM: /'

# run_tests DEV [LIST [LABEL]]: the tests of LIST (default
# /etc/minikvm/tests) on DEV, named LABEL (default DEV) in the markers.
run_tests() {
	dev=$1
	label=${3:-$1}
	while read -r name timeout _; do
		case "$name" in ''|'#'*) continue ;; esac
		echo "MINIKVM-BEGIN $label $name"
		t0=$(cut -d. -f1 /proc/uptime)
		timeout -s KILL "$timeout" /tests/"$name" --dev "$dev" 2>&1
		rc=$?
		echo "MINIKVM-END $label $name $rc $(( $(cut -d. -f1 /proc/uptime) - t0 ))s"
	done < "${2:-/etc/minikvm/tests}"
}

# Linux's KVM selftests (in /kst) of the list file $2: they take no
# --dev; $1 names the driver behind /dev/kvm in the markers, with no
# /dev/ in front, which tells them from minikvm's own tests' markers.
run_kvm_selftests() {
	while read -r name timeout _; do
		case "$name" in ''|'#'*) continue ;; esac
		echo "MINIKVM-BEGIN $1 $name"
		t0=$(cut -d. -f1 /proc/uptime)
		(cd /tmp && timeout -s KILL "$timeout" /kst/"$name" 2>&1)
		rc=$?
		# timeout kills the test, not what it forked: a child left with
		# a spinning vCPU would hold the guest's clock still (Bochs).
		for p in $(pidof "$name"); do kill -KILL "$p"; done
		echo "MINIKVM-END $1 $name $rc $(( $(cut -d. -f1 /proc/uptime) - t0 ))s"
	done < "$2"
}

# kvm_clock_test wants the host's clocksource to be "tsc": until the TSC's
# refined calibration (a delayed work item about a second into the boot)
# it is "tsc-early". Wait up to 60 s of guest time for the switch.
wait_tsc_clocksource() {
	cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
	end=$(( $(cut -d. -f1 /proc/uptime) + 60 ))
	while [ "$(cat $cs 2>/dev/null)" = tsc-early ] &&
		[ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do
		:
	done
	echo "MINIKVM-VM: clocksource $(cat $cs 2>/dev/null)"
}

# Linux's KVM selftests of the list file $1 on the devices of $2 ("kvm
# minikvm"): KVM's /dev/kvm (kvm_intel, loaded here unless it is already,
# and unloaded after),
# then a node of minikvm's misc device under that name, the path these
# tests open. Each test ends with its exit status: 0 pass, 4 (KSFT_SKIP)
# skip, anything else a failure.
kvm_selftests_on() {
	wait_tsc_clocksource
	case " $2 " in
	*" kvm "*)
		grep -q '^kvm_intel ' /proc/modules ||
			{ insmod $mods/irqbypass.ko && insmod $mods/kvm.ko && insmod $mods/kvm-intel.ko; }
		if [ -c /dev/kvm ]; then
			run_kvm_selftests kvm "$1"
		else
			check kvm-intel fail "reference device /dev/kvm missing"
		fi
		rmmod kvm_intel && rmmod kvm && rmmod irqbypass ||
			check kvm-unload fail "rmmod of kvm_intel/kvm failed"
		;;
	esac
	rm -f /dev/kvm
	case " $2 " in
	*" minikvm "*)
		if [ -r /sys/class/misc/minikvm/dev ]; then
			mm=$(cat /sys/class/misc/minikvm/dev)
			mknod -m 0666 /dev/kvm c "${mm%%:*}" "${mm##*:}"
			run_kvm_selftests minikvm "$1"
		else
			check minikvm-node fail "/sys/class/misc/minikvm/dev missing"
		fi
		rm -f /dev/kvm
		;;
	esac
}

# make bench: exit_bench, mmu_bench and irq_bench on each device, their
# figures between markers; the END marker carries the first non-zero exit
# status. Then the nested Linux (1 vCPU): this VM's TSC ticks from mkvm's
# start to the first line of the guest's /init (mkvm run --mark), as
# BENCH-BOOT.
# MINIKVM_BENCHES (--env) names the benchmarks to run, "boot" for the
# nested Linux; default: all of them.
run_bench() {
	echo "MINIKVM-BENCH-BEGIN $1"
	rc=0
	for b in ${MINIKVM_BENCHES:-exit_bench mmu_bench irq_bench boot}; do
		[ "$b" = boot ] && continue
		timeout -s KILL 300 $b --dev "$1" 2>&1
		r=$?
		[ "$rc" -eq 0 ] && rc=$r
	done
	case " ${MINIKVM_BENCHES:-boot} " in *" boot "*) ;; *) echo "MINIKVM-BENCH-END $1 $rc"; return ;; esac
	if [ -r /lib/minikvm/guest/bzImage ]; then
		timeout -s KILL 900 mkvm run --kernel /lib/minikvm/guest/bzImage \
			--initrd /lib/minikvm/guest/initrd.gz \
			--cmdline "console=ttyS0 quiet loglevel=4 panic=-1" --dev "$1" \
			--mark "GUEST: cpus" < /dev/null 2>&1 > /dev/null |
			sed -n "s|^mkvm: mark \"GUEST: cpus\" after \([0-9]*\) TSC ticks\$|BENCH-BOOT $1 ticks=\1|p"
	fi
	echo "MINIKVM-BENCH-END $1 $rc"
}

# make bench-compare: exit_bench and mmu_bench on device $2 as run $1,
# their figures between MINIKVM-BENCH-BEGIN <run> <dev> and
# MINIKVM-BENCH-END <run> <rc> (bench-compare-summary.sh reads them).
compare_run() {
	echo "MINIKVM-BENCH-BEGIN $1 $2"
	rc=0
	for b in exit_bench mmu_bench; do
		timeout -s KILL 300 $b --dev "$2" 2>&1
		r=$?
		[ "$rc" -eq 0 ] && rc=$r
	done
	echo "MINIKVM-BENCH-END $1 $rc"
}

# One module of the comparison loaded (base: the older minikvm.ko that
# test-vm.sh --base-module carried, head: this tree's, kvm: kvm_intel),
# run $1 on it, then unloaded, so that the next one runs alone.
compare_on() {
	case "$1" in
	base-*|head-*)
		ko=$mods/minikvm.ko
		case "$1" in base-*) ko=$mods/minikvm-base.ko ;; esac
		if insmod "$ko"; then
			compare_run "$1" /dev/minikvm
			rmmod minikvm || check "unload-$1" fail "rmmod minikvm failed"
		else
			check "load-$1" fail "insmod $ko failed"
		fi
		;;
	kvm)
		if insmod $mods/irqbypass.ko && insmod $mods/kvm.ko && insmod $mods/kvm-intel.ko; then
			compare_run kvm /dev/kvm
		else
			check kvm-intel fail "insmod of kvm_intel failed"
		fi
		rmmod kvm_intel && rmmod kvm && rmmod irqbypass ||
			check kvm-unload fail "rmmod of kvm_intel/kvm failed"
		;;
	esac
}

# make run: what the probe found and the translation chain of a live
# guest, each between markers the host prints from the console log.
show() {
	echo "MINIKVM-SHOW $1"
	shift
	"$@" 2>&1
	echo "MINIKVM-SHOW-END $?"
}

# make run: the nested guest's console, each line marked "# | " so that
# its kernel's panic or reboot lines are not taken for this VM's own.
# --env MKVM_RUN_TRACE=N: then the first N exits of mkvm --trace-exits
# (Documentation/device-server.rst's trace was captured this way).
nested_linux() {
	trace=
	[ -n "${MKVM_RUN_TRACE:-}" ] && trace=--trace-exits
	{
		mkvm run --kernel /lib/minikvm/guest/bzImage --initrd /lib/minikvm/guest/initrd.gz \
			--cmdline "console=ttyS0 quiet loglevel=4 panic=-1" \
			--cpus "$MKVM_RUN_CPUS" --dev "$1" --stats $trace < /dev/null 2>/tmp/nested.err
		echo $? > /tmp/nested.rc
		grep -v '^vcpu[0-9]' /tmp/nested.err
		[ -z "$trace" ] || grep '^vcpu[0-9]' /tmp/nested.err | head -n "$MKVM_RUN_TRACE"
	} | sed 's/^/# | /'
	return "$(cat /tmp/nested.rc)"
}

case "$mode" in
info)
	if [ -c /dev/minikvm ]; then
		show "VMX probe (mkvm --info)" mkvm --info --dev /dev/minikvm
		show "GVA -> GPA -> HVA -> HPA of a live guest (mkvm --translate)" \
			mkvm --translate --dev /dev/minikvm
	else
		check probe fail "/dev/minikvm missing: minikvm did not load"
	fi
	# The nested Linux (guest-init.sh is its /init) under mkvm run, on
	# minikvm; on KVM's /dev/kvm, saying why, where minikvm cannot boot it.
	guest=/lib/minikvm/guest
	MKVM_RUN_CPUS=${MKVM_RUN_CPUS:-1}
	if [ -r $guest/bzImage ]; then
		gdev=/dev/minikvm
		if ! mkvm --info --dev /dev/minikvm 2>/dev/null | grep -q '^linux boot: *yes'; then
			echo "MINIKVM-VM: minikvm cannot boot Linux ($(mkvm --info --dev /dev/minikvm |
				sed -n 's/^linux boot: *no: //p')): the nested Linux boots on /dev/kvm"
			gdev=/dev/kvm
		fi
		if [ $gdev = /dev/kvm ]; then
			insmod $mods/irqbypass.ko && insmod $mods/kvm.ko && insmod $mods/kvm-intel.ko
		fi
		show "nested Linux on $gdev (mkvm run --cpus $MKVM_RUN_CPUS)" nested_linux $gdev
		grep -q '^kvm_intel ' /proc/modules && { rmmod kvm_intel; rmmod kvm; rmmod irqbypass; }
	fi
	;;
clock)
	# Clock diagnostics: how the kernel calibrated and drives its timers,
	# and whether an idle sleep wakes up (the debug kernel under Bochs).
	dmesg | grep -iE 'tsc|clocksource|hpet|apic|timer|clockevent|cpuidle|idle|calibrat|mhz|hz|pm.timer|jiffies|hrtimer|switched' |
		head -n 80 | sed 's/^/MINIKVM-VM: dmesg: /'
	for f in /sys/devices/system/clockevents/*/current_device \
		/sys/devices/system/clocksource/clocksource0/available_clocksource \
		/sys/devices/system/cpu/cpuidle/current_driver \
		/sys/devices/system/cpu/cpuidle/current_governor_ro; do
		[ -r "$f" ] && echo "MINIKVM-VM: $f: $(cat "$f")"
	done
	grep -E '^(now at|jiffies|Clock Event Device|.*event_handler|.*mode:|.*next_event)' /proc/timer_list 2>/dev/null |
		head -n 20 | sed 's/^/MINIKVM-VM: timer_list: /'
	clock_state
	sleep 2 &
	spid=$!
	pause 10
	if kill -0 $spid 2>/dev/null; then
		echo "MINIKVM-VM: probe: sleep 2 still running after 10 s of uptime"
		kill $spid
	else
		echo "MINIKVM-VM: probe: sleep 2 returned"
	fi
	clock_state
	grep -E '^jiffies' /proc/timer_list 2>/dev/null | head -n 1 | sed 's/^/MINIKVM-VM: timer_list: /'
	;;
check)
	[ -c /dev/minikvm ] && run_tests /dev/minikvm
	# --env MINIKVM_DUMP_TRACE=1: what the tests left in the ftrace
	# buffer (core_trace_test's exits), before /dev/kvm's run replaces it
	# (Documentation/trace-walkthrough.rst was captured this way).
	if [ -n "${MINIKVM_DUMP_TRACE:-}" ] && [ -r /sys/kernel/tracing/trace ]; then
		sed 's/^/MINIKVM-TRACE: /' /sys/kernel/tracing/trace
	fi
	insmod $mods/irqbypass.ko && insmod $mods/kvm.ko && insmod $mods/kvm-intel.ko
	if [ -c /dev/kvm ]; then
		run_tests /dev/kvm
	else
		check kvm-intel fail "reference device /dev/kvm missing"
	fi
	# test-vm.sh --noapicv: the LAPIC's tests twice more, on minikvm
	# reloaded with other APIC virtualization: enable_apicv=0, the path
	# of a CPU that lacks it, and enable_vid=1 with
	# enable_x2apic_virt=1, all of it, which the defaults leave off here
	# (Bochs has no posted interrupts). The label keeps /dev/ in front: markers without it are
	# Linux's KVM selftests'. After KVM's run, so that KVM runs as it did
	# before these passes existed: with the reload before it, KVM's
	# vmx_host_state_test saw padding bytes of its sigset_t change
	# (2026-11-30; the test now compares the kernel's 8 bytes and says
	# what was seen).
	if [ -s /etc/minikvm/tests-noapicv ]; then
		for pass in noapicv:enable_apicv=0 vid:enable_vid=1,enable_x2apic_virt=1; do
			label=${pass%%:*}
			args=$(echo "${pass#*:}" | tr , ' ')
			if rmmod minikvm && insmod $mods/minikvm.ko $args; then
				check reload-$label ok
				dmesg | grep 'minikvm: APIC virtualization' | tail -n 1 | sed 's/^/MINIKVM-VM: /'
				run_tests /dev/minikvm /etc/minikvm/tests-noapicv /dev/minikvm-$label
			else
				check reload-$label fail "rmmod minikvm or insmod $args failed"
			fi
		done
	fi
	# Linux's KVM selftests of the list's run column "check" (test-vm.sh
	# --kvm-selftests), in this same boot; KVM is loaded again after them,
	# as the rest of this mode had it.
	if [ -s /etc/minikvm/kst-tests ]; then
		kvm_selftests_on /etc/minikvm/kst-tests "kvm minikvm"
		insmod $mods/irqbypass.ko && insmod $mods/kvm.ko && insmod $mods/kvm-intel.ko
	fi
	;;
kvm-selftests)
	# --env KVM_SELFTESTS_DEVICES=minikvm (or =kvm) runs on that one only.
	kvm_selftests_on /etc/minikvm/tests "${KVM_SELFTESTS_DEVICES:-kvm minikvm}"
	;;
bench)
	# How the VM's CPUs idle decides how fast a halted CPU wakes.
	echo "MINIKVM-VM: idle: $(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null || echo none)," \
		"$(dmesg | grep -m1 -E 'idle threads|idle routine' || echo 'no idle message (HLT)')"
	[ -c /dev/minikvm ] && run_bench /dev/minikvm
	insmod $mods/irqbypass.ko && insmod $mods/kvm.ko && insmod $mods/kvm-intel.ko
	[ -c /dev/kvm ] && run_bench /dev/kvm
	;;
bench-compare)
	# BASE, HEAD, KVM, then BASE and HEAD again: the second pair shows how
	# far the figures drift within this boot. minikvm (HEAD) is loaded
	# again at the end for the rmmod check below.
	rmmod minikvm || check unload-head fail "rmmod minikvm failed"
	for run in base-1 head-1 kvm base-2 head-2; do
		compare_on $run
	done
	insmod $mods/minikvm.ko $params || check load fail "insmod minikvm.ko failed after the runs"
	;;
esac

# kmemleak (debug kernel only). A scan reports an object that no pointer
# reaches, that is 5 s old or more, and whose contents have not changed
# since the scan before: every object is new to its first scan (its
# checksum then changes from nothing to something), so a leak made during
# the tests is reported by the second scan after them, not the first.
# One scan while minikvm is loaded and one after rmmod: the second reports
# what the tests leaked and what unloading left behind. minikvm's frames
# in those backtraces print as bare addresses (the module is gone), and
# one inside the range minikvm occupied counts as its own; its base is
# printed with a leak, so an address minus the base finds the function in
# minikvm.ko. A scan reads all tracked memory, KASAN's shadow included:
# about 30 s of guest time for 1 GiB under Bochs, the longest step of a
# debug VM after the boot, which is why there are two and not three.
kmemleak=/sys/kernel/debug/kmemleak
kmemleak_scan() {
	clock_state
	pause 6
	t0=$(cut -d. -f1 /proc/uptime)
	# kmemleak refuses writes once it has disabled itself (early pool
	# exhausted, or an internal error), which would hide every leak.
	echo scan 2>/dev/null > $kmemleak || return 1
	echo "MINIKVM-VM: kmemleak scan $1 took $(( $(cut -d. -f1 /proc/uptime) - t0 ))s"
	cat $kmemleak >> /tmp/leaks
}
kmemleak_dead=
if [ -e $kmemleak ]; then
	: > /tmp/leaks
	# "minikvm 16384 0 - Live 0xffffffffc0200000 (OE)": base and size.
	mod_base=$(awk '$1 == "minikvm" { print $6 }' /proc/modules)
	mod_size=$(awk '$1 == "minikvm" { print $2 }' /proc/modules)
	# Its symbols, to name its frames in a report made after rmmod.
	grep '\[minikvm\]$' /proc/kallsyms > /tmp/minikvm.syms 2>/dev/null
	kmemleak_scan "1 (minikvm loaded)" || kmemleak_dead=1
fi

if rmmod minikvm; then
	check rmmod ok
else
	check rmmod fail "rmmod minikvm failed"
fi

if [ -n "$kmemleak_dead" ]; then
	check kmemleak fail "kmemleak cannot scan (it turned itself off):"
	dmesg | grep kmemleak | sed 's/^/MINIKVM-LOG: /'
elif [ -e $kmemleak ]; then
	kmemleak_scan "2 (minikvm unloaded)"
	# A backtrace line is "[<%pK>] %pS": the first address is hashed
	# (kptr_restrict), the second is a symbol or, once minikvm is gone, the
	# raw address, which is what is compared. Module space lies in
	# ffffffff00000000-ffffffffffffffff and a module never straddles 4 GiB,
	# so the low 32 bits, as 8 hex digits compared as strings, place an
	# address: sh and awk arithmetic cannot hold a 64-bit address exactly.
	base=${mod_base:-0x0000000000000000}
	base=${base#0x}
	top32=${base%????????} lo=${base#"${base%????????}"}
	hi=$(printf '%08x' $((0x$lo + ${mod_size:-0})))
	# A bare address of minikvm's range also gets the name of the symbol
	# it falls in, from the kallsyms lines saved before rmmod ("ADDR t
	# NAME [minikvm]"); the low 32 bits fit an awk number exactly.
	awk -v top32="$top32" -v lo="$lo" -v hi="$hi" -v syms=/tmp/minikvm.syms '
	function lo32(addr) { return ("0x" substr(addr, 9)) + 0 }
	FILENAME == syms {
		if (substr($1, 1, 8) == top32 && $1 != "0000000000000000") {
			nsym++; sym_at[nsym] = lo32($1); sym_name[nsym] = $3
		}
		next
	}
	function name_of(addr,	v, i, best) {
		v = lo32(addr); best = 0
		for (i = 1; i <= nsym; i++)
			if (sym_at[i] <= v && (!best || sym_at[i] > sym_at[best]))
				best = i
		return best ? sprintf(" (%s+0x%x)", sym_name[best], v - sym_at[best]) : ""
	}
	function flush() {
		if (obj != "" && mine && !(obj in seen))
			printf "%s", text
		if (obj != "")
			seen[obj] = 1
		obj = ""; text = ""; mine = 0
	}
	/^unreferenced object/ { flush(); obj = $3 }
	obj != "" {
		line = $0
		if (/\[minikvm\]/)
			mine = 1
		if (match($0, /\] 0x[0-9a-f]+$/)) {
			a = substr($0, RSTART + 4)
			if (substr(a, 1, 8) == top32 && substr(a, 9) >= lo && substr(a, 9) < hi) {
				mine = 1
				line = line name_of(a)
			}
		}
		text = text line "\n"
	}
	END { flush() }' /tmp/minikvm.syms /tmp/leaks > /tmp/leaks.mine
	if [ -s /tmp/leaks.mine ]; then
		check kmemleak fail "$(grep -c '^unreferenced object' /tmp/leaks.mine) leaks allocated by minikvm (loaded at ${mod_base:-?}):"
		sed 's/^/MINIKVM-LOG: /' /tmp/leaks.mine | head -n 100
	else
		check kmemleak ok "($(grep -c '^unreferenced object' /tmp/leaks) unreferenced objects, none from minikvm)"
	fi
fi

if [ -f /proc/lockdep_stats ]; then
	if lockdep_on; then
		check lockdep ok
	else
		check lockdep fail "lockdep turned itself off after a report: see the kernel log"
	fi
fi

# The kernel log after the module load: any of these is a failure. KASAN,
# lockdep and the atomic-sleep check all start their reports with BUG: or
# WARNING:, but a report is matched by its own words too. kmemleak's
# "N new suspected memory leaks" line is judged above, by whose leaks.
bad='BUG|WARNING|Oops|general protection|soft lockup|hung task|list_add corruption|list_del corruption|list corruption|refcount|KASAN|UBSAN|kmemleak|circular locking dependency|possible recursive locking|inconsistent lock state|bad unlock balance|held lock freed|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|sleeping function called from invalid context'
dmesg | sed -n '/MINIKVM-MARK module-load/,$p' > /tmp/log
if grep -E "$bad" /tmp/log | grep -vE 'kmemleak: [0-9]+ new suspected memory leaks' > /tmp/bad; then
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

# Reboot with a vCPU running (check mode, 2 CPUs or more): minikvm loaded
# again, reboot_spinner keeps a vCPU in the guest on the last CPU, and
# reboot -f runs the reboot notifier (vmx/vmxon.c), which turns VMX off
# under it. The console shows every kernel message from here on; the host
# (test-vm.sh) waits for "reboot: Restarting system" and judges what came
# between MINIKVM-REBOOT-BEGIN and it (check.reboot). The kernel-log check
# above is over by then: a splat here fails only check.reboot.
#
# What was written to the console sits in the serial driver's buffer and
# leaves at the emulated UART's pace; reboot -f would cut it off (seen with
# a long kmemleak report: the rest of the report and MINIKVM-DONE were
# lost). stty sets the console's settings again with TCSADRAIN, which
# returns once the buffer and the UART are empty, polling the UART with
# msleep(). So the markers go out and are drained before the vCPU runs,
# which slows the guest's clock as any busy CPU does (a busy Bochs CPU
# runs the guest clock at about 1/100 of host time on a loaded host).
# The spinner's guest once exited every third instruction, and that all
# but stopped the clock; reboot_spinner.c says what it does now.
drain_console() {
	stty -F /dev/console "$(stty -F /dev/console -g)"
}
reboot_test=
if [ "$mode" = check ] && [ "$(nproc)" -ge 2 ] && [ -x /bin/reboot_spinner ] &&
	insmod $mods/minikvm.ko $params; then
	dmesg -n 8
	echo "MINIKVM-REBOOT-BEGIN"
	echo "MINIKVM-DONE"
	drain_console
	# Its stdout through a FIFO, read until the vCPU runs or it exits:
	# no timed wait (the guest clock all but stops while the vCPU runs).
	mkfifo /tmp/reboot-spinner.fifo
	reboot_spinner --dev /dev/minikvm > /tmp/reboot-spinner.fifo &
	while read -r line; do
		case "$line" in "MINIKVM-REBOOT: vCPU running"*) reboot_test=1; break ;; esac
	done < /tmp/reboot-spinner.fifo
	if [ -z "$reboot_test" ]; then
		check reboot fail "reboot_spinner never ran its vCPU"
		drain_console
	fi
else
	echo "MINIKVM-DONE"
	drain_console
	pause 1
fi
# Shown only if the restart stalls (check.reboot prints the console).
echo "MINIKVM-REBOOT: reboot -f"
reboot -f
