#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the nested test VM once and leave its serial console in a file.
#
#   test-vm.sh --build DIR [--kver VER] [--mode check|info|clock|bench|bench-compare]
#              [--cpus 1|2] [--group 1cpu|2cpu] [--share PART/PARTS]
#              [--backend auto|bochs|qemu] [--timeout SECONDS]
#              [--model BOCHS_CPU_MODEL] [--name NAME]
#              [--kernel BZIMAGE --modules DIR] [--module MINIKVM_KO]
#              [--cmdline-extra "ARGS"] [--time-scale N] [--megs MIB]
#              [--only "TEST BOUND"] [--env "VAR=VALUE ..."]
#              [--kvm-selftests DIR] [--host-clock] [--noapicv]
#              [--base-module MINIKVM_KO]
#
# By default the VM boots the Debian cloud kernel VER (default: DIR/kver,
# written by deps.sh) unpacked by deps.sh;
# --kernel and --modules boot another one instead (the debug kernel of
# debug-kernel.sh), with its own KVM modules (DIR is its
# lib/modules/<release>/kernel) and a minikvm.ko built for it (--module).
# In check mode the VM runs the tests of tests.list's GROUP (default: the
# one named after the CPU count), or with --share PART/PARTS the share of
# VM number PART when PARTS VMs split GROUP (tests.sh list picks them).
# --time-scale multiplies each test's time bound from tests.list, for a
# kernel that runs everything several times slower (KASAN, lockdep).
# --megs sets the guest's memory (default 2048 MiB). --only runs that one
# test with that bound instead of the list (make fuzz); --env exports the
# given variables to the tests (/etc/minikvm/env, read by init.sh;
# MINIKVM_PARAMS=enable_vid=1,enable_apicv=1 loads minikvm.ko with those).
# Mode kvm-selftests runs Linux's own KVM selftests built by
# kvm-selftests.sh into DIR (--kvm-selftests), those kvm-selftests.list
# names (or the --only one), stripped into the initramfs. In check mode,
# --kvm-selftests DIR adds those of the list's run column "check", run on
# both devices after the VM's own tests (/etc/minikvm/kst-tests).
#
# --noapicv (check mode): the tests tests.list marks noapicv, of those
# this VM runs, run twice more on minikvm reloaded: with enable_apicv=0,
# as device minikvm-noapicv in the markers (the LAPIC's path without APIC
# virtualization), and with enable_vid=1 enable_x2apic_virt=1, as
# minikvm-vid (virtual-interrupt delivery and all that comes with it,
# off by default here). check.sh asks it of 1-CPU VMs.
#
# Mode bench-compare (make bench-compare) runs exit_bench and mmu_bench
# on the minikvm.ko of --base-module (an older revision, built for the
# same kernel), on this one and on KVM, one loaded at a time, in one boot.
#
# --host-clock gives the guest a second serial port (/dev/ttyS1) wired to
# host-clock.py, a timer in host wall time the guest asks for by serial
# (make fuzz bounds its runs with it).
#
# The VM gets minikvm.ko, KVM's own modules from the same kernel package,
# those selftests, and mkvm; /init (init.sh) runs them. Modes: check runs
# the tests, info prints the VMX probe and a live translation chain and
# boots the nested Linux with mkvm run (make run), clock the guest's clock and timer state, bench the benchmarks, bench-compare the exit
# benchmarks on two minikvm builds and KVM. Backend "auto" takes QEMU with KVM when this host
# has VT-x and a usable /dev/kvm, else Bochs with an emulated Intel CPU.
#
# Exit: 0 when the VM printed MINIKVM-DONE, 3 on timeout, 4 on a guest
# kernel panic, 5 when the emulator exited, 6 when the guest restarted
# without MINIKVM-DONE, 1 on a setup error. The console log is $BUILD/vm-NAME/console.log.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
noapicv= base_ko=
build= kver= mode=check cpus=1 backend=auto timeout= model=corei7_skylake_x name=
vmlinuz= kmods= minikvm_ko=$top/minikvm.ko cmdline_extra= time_scale=1 megs=2048
group= share=1/1 only= test_env= kst_dir= host_clock=

while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift ;;
	--kver) kver=$2; shift ;;
	--mode) mode=$2; shift ;;
	--cpus) cpus=$2; shift ;;
	--group) group=$2; shift ;;
	--share) share=$2; shift ;;
	--backend) backend=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--model) model=$2; shift ;;
	--name) name=$2; shift ;;
	--kernel) vmlinuz=$2; shift ;;
	--modules) kmods=$2; shift ;;
	--module) minikvm_ko=$2; shift ;;
	--cmdline-extra) cmdline_extra=$2; shift ;;
	--time-scale) time_scale=$2; shift ;;
	--megs) megs=$2; shift ;;
	--only) only=$2; shift ;;
	--env) test_env=$2; shift ;;
	--kvm-selftests) kst_dir=$2; shift ;;
	--host-clock) host_clock=1 ;;
	--noapicv) noapicv=1 ;;
	--base-module) base_ko=$2; shift ;;
	*) echo "test-vm: unknown argument $1" >&2; exit 1 ;;
	esac
	shift
done
[ -n "$build" ] || { echo "test-vm: --build is required" >&2; exit 1; }
[ -n "$kver" ] || [ ! -s "$build/kver" ] || kver=$(cat "$build/kver")
[ -n "$kver" ] || { [ -n "$vmlinuz" ] && [ -n "$kmods" ]; } ||
	{ echo "test-vm: --kver is required unless --kernel and --modules are given" >&2; exit 1; }
case "$cpus" in 1|2) ;; *) echo "test-vm: --cpus must be 1 or 2" >&2; exit 1 ;; esac
case "$mode" in check|info|clock|bench|bench-compare|kvm-selftests) ;; *) echo "test-vm: no mode $mode" >&2; exit 1 ;; esac
[ "$mode" != bench-compare ] || [ -r "$base_ko" ] ||
	{ echo "test-vm: mode bench-compare needs --base-module MINIKVM_KO" >&2; exit 1; }
group=${group:-${cpus}cpu}
name=${name:-$mode-${cpus}cpu}

host_has_vtx() {
	grep -qw vmx /proc/cpuinfo && [ -c /dev/kvm ] && [ -r /dev/kvm ] &&
		command -v qemu-system-x86_64 >/dev/null &&
		# A PVM-only or broken /dev/kvm cannot start even an empty guest.
		timeout 20 qemu-system-x86_64 -enable-kvm -cpu host -display none \
			-machine none -S -monitor none -serial none \
			-daemonize -pidfile /tmp/minikvm-probe.$$ >/dev/null 2>&1 &&
		kill "$(cat /tmp/minikvm-probe.$$)" 2>/dev/null
}

if [ "$backend" = auto ]; then
	if host_has_vtx; then backend=qemu; else backend=bochs; fi
	rm -f /tmp/minikvm-probe.$$
fi
# A 2-CPU Bochs boot costs about two minutes; tests run slowly inside.
if [ -z "$timeout" ]; then
	case "$backend-$cpus" in
	qemu-*) timeout=300 ;;
	bochs-1) timeout=1500 ;;
	*) timeout=1800 ;;
	esac
fi

guest=$build/guest-$kver
vmlinuz=${vmlinuz:-$guest/boot/vmlinuz-$kver-cloud-amd64}
kmods=${kmods:-$guest/lib/modules/$kver-cloud-amd64/kernel}
dir=$build/vm-$name
rm -rf "$dir"
mkdir -p "$dir/root"/{bin,etc/minikvm,lib/minikvm,tests,proc,sys,dev,tmp,mnt} "$dir/iso/isolinux"

# -- initramfs ---------------------------------------------------------------
root=$dir/root
cp /bin/busybox "$root/bin/busybox"
cp "$here/init.sh" "$root/init"
chmod +x "$root/init"
cp "$minikvm_ko" "$root/lib/minikvm/minikvm.ko"
[ -z "$base_ko" ] || cp "$base_ko" "$root/lib/minikvm/minikvm-base.ko"
cp "$kmods/arch/x86/kvm/kvm.ko" "$kmods/arch/x86/kvm/kvm-intel.ko" \
   "$kmods/virt/lib/irqbypass.ko" "$kmods/arch/x86/kernel/msr.ko" "$root/lib/minikvm/"
cp "$top/userspace/mkvm" "$top/userspace/minikvm-stat" "$root/bin/"
for b in "$top"/selftests/bench/* "$top"/selftests/helpers/*; do
	[ -x "$b" ] && [ -f "$b" ] && cp "$b" "$root/bin/"
done
echo "$mode" > "$root/etc/minikvm/mode"
: > "$root/etc/minikvm/tests"
if [ "$mode" = check ] && [ -n "$only" ]; then
	echo "$only" > "$root/etc/minikvm/tests"
elif [ "$mode" = check ]; then
	"$here/tests.sh" list "$group" "$share" "$time_scale" > "$root/etc/minikvm/tests"
fi
: > "$root/etc/minikvm/tests-noapicv"
if [ "$mode" = check ] && [ -n "$noapicv" ]; then
	marked=" $("$here/tests.sh" noapicv) "
	while read -r t b _; do
		case "$marked" in *" $t "*) echo "$t $b" >> "$root/etc/minikvm/tests-noapicv" ;; esac
	done < "$root/etc/minikvm/tests"
fi
: > "$root/etc/minikvm/env"
# The tests may need to know the emulator under them (a Bochs quirk).
echo "export MINIKVM_TEST_BACKEND=$backend" >> "$root/etc/minikvm/env"
for v in $test_env; do
	echo "export $v" >> "$root/etc/minikvm/env"
done
# Name and bound of each test of kvm-selftests.list that was built, all
# of them or ($1) those whose run column says so.
kst_listed() {
	while read -r t b _ _ r _; do
		case "$t" in ''|'#'*) continue ;; esac
		[ -z "$1" ] || [ "$r" = "$1" ] || continue
		if [ -x "$kst_dir/bin/$t" ]; then
			echo "$t $b"
		else
			echo "test-vm: $t is listed but was not built, left out" >&2
		fi
	done < "$here/kvm-selftests.list"
}
# Into /kst, not /tests: some share a name with minikvm's own selftests
# (sync_regs_test). Unstripped they are about 1 MiB each: a slower
# initramfs to unpack.
kst_copy() {
	mkdir -p "$root/kst"
	while read -r t _; do
		strip -o "$root/kst/$t" "$kst_dir/bin/$t"
	done < "$1"
}
if [ -n "$kst_dir" ]; then
	[ -d "$kst_dir/bin" ] || { echo "test-vm: --kvm-selftests DIR: no DIR/bin (kvm-selftests.sh)" >&2; exit 1; }
fi
if [ "$mode" = kvm-selftests ]; then
	[ -n "$kst_dir" ] || { echo "test-vm: --kvm-selftests DIR (kvm-selftests.sh) is required" >&2; exit 1; }
	if [ -n "$only" ]; then
		echo "$only" > "$root/etc/minikvm/tests"
	else
		kst_listed "" > "$root/etc/minikvm/tests"
	fi
	kst_copy "$root/etc/minikvm/tests"
else
	while read -r t _; do
		cp "$top/selftests/$t" "$root/tests/"
	done < "$root/etc/minikvm/tests"
	rm -f "$root/etc/minikvm/kst-tests"
	if [ "$mode" = check ] && [ -n "$kst_dir" ]; then
		kst_listed check > "$root/etc/minikvm/kst-tests"
		kst_copy "$root/etc/minikvm/kst-tests"
	fi
fi
# The nested Linux guest that mkvm run boots (mkvm_linux_boot_test, make
# run, make bench): this VM's own kernel, and a busybox initramfs whose
# /init is guest-init.sh (guest-initrd.sh). Only in a VM that boots it:
# 14 MiB more to load.
if [ "$mode" = info ] || [ "$mode" = bench ] || grep -q '^mkvm_linux_boot_test' "$root/etc/minikvm/tests"; then
	mkdir -p "$root/lib/minikvm/guest"
	"$here/guest-initrd.sh" "$root/lib/minikvm/guest/initrd.gz"
	cp "$vmlinuz" "$root/lib/minikvm/guest/bzImage"
fi
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$dir/initrd.gz"

cmdline="console=ttyS0 quiet loglevel=4 reboot=k${cmdline_extra:+ $cmdline_extra}"
console=$dir/console.log
: > "$console"

# -- boot ----------------------------------------------------------------------
# --host-clock: host-clock.py listens first; the emulator's COM2 connects.
clock_pid= clock_serial= clock_bochs=
if [ -n "$host_clock" ]; then
	rm -f "$dir/host-clock.port"
	"$here/host-clock.py" "$dir/host-clock.port" > "$dir/host-clock.log" 2>&1 &
	clock_pid=$!
	for _ in $(seq 50); do
		[ -s "$dir/host-clock.port" ] && break
		sleep 0.1
	done
	[ -s "$dir/host-clock.port" ] ||
		{ kill "$clock_pid"; echo "test-vm: host-clock.py did not start" >&2; exit 1; }
	port=$(cat "$dir/host-clock.port")
	clock_serial="-serial tcp:127.0.0.1:$port"
	clock_bochs="com2: enabled=1, mode=socket-client, dev=127.0.0.1:$port"
fi
echo "test-vm: $name: booting $backend with $cpus CPU(s), timeout ${timeout}s, log $console"
case "$backend" in
qemu)
	setsid qemu-system-x86_64 -enable-kvm -cpu host -smp "$cpus" -m "$megs" \
		-kernel "$vmlinuz" -initrd "$dir/initrd.gz" -append "$cmdline" \
		-display none -monitor none -serial "file:$console" $clock_serial -no-reboot \
		</dev/null >"$dir/backend.log" 2>&1 &
	;;
bochs)
	# Bochs cannot boot a bare kernel: ISOLINUX on an ISO 9660 image.
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$dir/iso/isolinux/"
	cp "$vmlinuz" "$dir/iso/vmlinuz"
	cp "$dir/initrd.gz" "$dir/iso/initrd.gz"
	printf 'DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL /vmlinuz\n  APPEND initrd=/initrd.gz %s\n' \
		"$cmdline" > "$dir/iso/isolinux/isolinux.cfg"
	genisoimage -quiet -o "$dir/boot.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
		-no-emul-boot -boot-load-size 4 -boot-info-table -J -R "$dir/iso"
	# Facts behind these settings: ../shared/notes/test-vm.md and
	# Documentation/testing.rst (BIOS-bochs-latest for SMP, dummy sound,
	# instruction-driven clock, term display under a pseudo-terminal).
	# Bochs' info messages (its resets, the CPUs' start-up IPIs) go to
	# bochs.log in 2-CPU check VMs, for check.reboot to show what the
	# emulator did when a restart does not come; elsewhere they would
	# only slow the VM (the VID pass writes one per virtual interrupt).
	bochs_info=ignore
	[ "$mode" = check ] && [ "$cpus" -ge 2 ] && bochs_info=report
	cat > "$dir/bochsrc" <<-RC
	megs: $megs
	cpu: model=$model, count=$cpus, ips=200000000, reset_on_triple_fault=1
	clock: sync=none, time0=local
	romimage: file=/usr/share/bochs/BIOS-bochs-latest
	vgaromimage: file=/usr/share/vgabios/vgabios.bin
	ata0-master: type=cdrom, path=$dir/boot.iso, status=inserted
	boot: cdrom
	com1: enabled=1, mode=file, dev=$console
	$clock_bochs
	display_library: term
	sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
	speaker: enabled=0
	mouse: enabled=0
	log: $dir/bochs.log
	panic: action=fatal
	error: action=ignore
	info: action=$bochs_info
	debug: action=ignore
	RC
	echo c > "$dir/bochs.cmds"
	setsid script -qfec "bochs -q -f $dir/bochsrc -rc $dir/bochs.cmds" /dev/null \
		</dev/null >"$dir/backend.log" 2>&1 &
	;;
*)
	echo "test-vm: unknown backend $backend" >&2
	exit 1
	;;
esac
pid=$!
drain=
stop_vm() {
	# Bochs ignores SIGTERM while in its debugger: kill the whole group.
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[ -z "$drain" ] || { kill "$drain" 2>/dev/null; wait "$drain" 2>/dev/null; } || true
	[ -z "$clock_pid" ] || { kill "$clock_pid" 2>/dev/null; wait "$clock_pid" 2>/dev/null; } || true
}
# Bochs' term display draws the guest screen on a pseudo-terminal of its
# own ("Bochs connected to screen /dev/pts/N"). Nothing reads it, so once
# its buffer is full Bochs blocks in write() and the guest stops dead, at
# a point that depends on how much was drawn: long runs (the debug kernel)
# hung there. Read that terminal and throw it away, and start the reader
# again should it end (drain.log says when; check.reboot shows it).
drain_screen() {
	[ "$backend" = bochs ] || return 0
	if [ -n "$drain" ]; then
		kill -0 "$drain" 2>/dev/null && return 0
		echo "host second $((SECONDS - start)): the screen's reader ended" >> "$dir/drain.log"
	fi
	pts=$(grep -a -o 'connected to screen "/dev/pts/[0-9]*"' "$dir/backend.log" 2>/dev/null |
		head -n 1 | cut -d'"' -f2) || true
	[ -n "$pts" ] || return 0
	cat "$pts" > /dev/null 2>&1 &
	drain=$!
}
trap stop_vm EXIT INT TERM

# The timeline: each milestone line of the console (a test's begin and
# end, a check, a kmemleak scan) with the host's wall-clock second it was
# first seen at, so that where a VM spends its time can be read after the
# run (check.sh sums it up; tests.list's costs come from it).
timeline=$dir/timeline seen=0
: > "$timeline"
stamp_timeline() {
	local total
	total=$(wc -l < "$console")
	[ "$total" -gt "$seen" ] || return 0
	sed -n "$((seen + 1)),${total}p" "$console" |
		grep -a -E '^MINIKVM-(BEGIN|END|CHECK|DONE)|^MINIKVM-VM: (up|kmemleak scan)' |
		sed "s/^/$((SECONDS - start)) /" >> "$timeline" || true
	seen=$total
}

# The emulator's process as the host sees it: scheduler state, kernel
# wait channel, CPU seconds used over 5 s, open files, and its drain.
emulator_state() {
	local p t0 t1
	p=$(pgrep -f "^bochs-bin .*-f $dir/bochsrc" | head -n 1)
	[ -n "$p" ] || { echo "emulator: no process"; return; }
	t0=$(awk '{ print $14 + $15 }' "/proc/$p/stat")
	sleep 5
	t1=$(awk '{ print $14 + $15 }' "/proc/$p/stat")
	echo "emulator: pid $p state $(awk '{ print $3 }' "/proc/$p/stat")" \
		"wchan $(cat "/proc/$p/wchan")" \
		"cpu ticks in 5 s $((t1 - t0)) (of $((5 * $(getconf CLK_TCK))))"
	echo "emulator: syscall $(cat "/proc/$p/syscall" 2>/dev/null)"
	ls -l "/proc/$p/fd" | sed -n 's/^.* \([0-9]*\) -> /emulator: fd \1 -> /p'
	echo "emulator: screen drain ${drain:-none} $([ -n "$drain" ] && kill -0 "$drain" 2>/dev/null && echo alive || echo gone)"
}

# Whether the VM's own console lines (not a nested guest's "# | ...")
# hold the fixed string $1; with $2, only the lines from the first that
# starts with $2 on. One awk, not grep -v | grep -q: under pipefail the
# first grep's SIGPIPE, when the second stops at a match, turned a match
# into a miss.
own_console_has() {
	awk -v s="$1" -v from="${2:-}" '
		from == "" || index($0, from) == 1 { on = 1 }
		on && !/^# \|/ && index($0, s) { found = 1; exit }
		END { exit !found }' "$console"
}

# The host kernel's word on an emulator that quit without a panic of its
# own: a fatal signal (segfault) or the OOM killer.
host_log() {
	dmesg 2>/dev/null | grep -a -i -E 'bochs|script|out of memory|oom' | tail -n 8 |
		sed 's/^/host kernel: /' || true
}

# From MINIKVM-REBOOT-BEGIN, the restart may take this many seconds.
# It takes a few (0.01 s of guest time). The failures of this check in
# make ci ("no restart within 300 s", later "after 0 s") were no wait at
# all: first the DONE test below ended the loop when MINIKVM-REBOOT-BEGIN
# and MINIKVM-DONE arrived between it and the REBOOT-BEGIN test, then the
# restart test took the nested guest's restart line for the VM's (the
# test in the loop says how); either way the VM was killed seconds into its
# reboot. A failure shows how long it waited, the console since
# MINIKVM-REBOOT-BEGIN, and what the emulator was doing.
reboot_limit=600
start=$SECONDS rc=3
while [ $((SECONDS - start)) -lt "$timeout" ]; do
	drain_screen
	stamp_timeline
	# After MINIKVM-REBOOT-BEGIN (init.sh) the VM's end is the restart.
	if grep -q '^MINIKVM-REBOOT-BEGIN' "$console"; then
		# The restart: after the marker, and the VM's own line. The
		# nested Linux of mkvm_linux_boot_test prints one of its own
		# earlier ("# | ... reboot: Restarting system"): taken for
		# the restart, it ended the wait as soon as the marker came,
		# and the VM was killed 2 s into its reboot, "no restart after
		# 0 s" (stop 21's CI and more).
		if own_console_has 'reboot: Restarting system' MINIKVM-REBOOT-BEGIN; then
			rc=0
			sleep 2
			break
		fi
		[ -n "${reboot_wait:-}" ] || reboot_wait=$SECONDS
		# The emulator quit before the restart (a Bochs panic):
		# check.reboot below says so, with the panic's message.
		if ! kill -0 "$pid" 2>/dev/null; then
			emu_rc=0
			wait "$pid" || emu_rc=$?
			host_log > "$dir/emulator.state" 2>&1
			rc=0
			break
		fi
		if [ $((SECONDS - reboot_wait)) -ge "$reboot_limit" ]; then
			# Is the emulator running, or blocked (in what, on
			# which file)? Then SIGHUP makes Bochs quit as from a
			# panic, writing each CPU's registers to bochs.log (info
			# messages are on in 2-CPU check VMs) before the group
			# is killed.
			emulator_state > "$dir/emulator.state" 2>&1
			pkill -HUP -f "^bochs-bin .*-f $dir/bochsrc" 2>/dev/null && sleep 5
			rc=0
			break
		fi
		sleep 2
		continue
	fi
	# init.sh prints MINIKVM-REBOOT-BEGIN just before MINIKVM-DONE, so
	# both can land between the test above and this one: a DONE that
	# comes with REBOOT-BEGIN goes round again, to wait for the restart.
	if grep -q '^MINIKVM-DONE' "$console"; then
		grep -q '^MINIKVM-REBOOT-BEGIN' "$console" && continue
		rc=0
		break
	fi
	# Lines "# | ..." are a nested guest's console (mkvm_linux_boot_test):
	# its panic or reboot is a test's business, not this VM's.
	if own_console_has 'Kernel panic - not syncing'; then rc=4; sleep 2; break; fi
	# The guest resets itself only after MINIKVM-DONE: a restart without
	# it is a reboot in the middle (or lost console output), not a finish.
	if own_console_has 'reboot: Restarting system'; then rc=6; sleep 2; break; fi
	if ! kill -0 "$pid" 2>/dev/null; then
		# Gone in a reboot whose marker came since the test above:
		# that test, next time round, reaps it and says so.
		grep -q '^MINIKVM-REBOOT-BEGIN' "$console" && continue
		grep -q '^MINIKVM-DONE' "$console" && rc=0 || rc=5
		break
	fi
	sleep 2
done
stop_vm
trap - EXIT INT TERM
stamp_timeline

# check.reboot: from MINIKVM-REBOOT-BEGIN to the restart, no splat, and
# the restart came. The line joins the console log for results.awk, on a
# line of its own: the restart cuts the console's last line short.
if grep -q '^MINIKVM-REBOOT-BEGIN' "$console"; then
	sed -n '/^MINIKVM-REBOOT-BEGIN/,$p' "$console" > "$dir/reboot.log"
	echo >> "$console"
	bad='BUG|WARNING|Oops|general protection|soft lockup|hung task|refcount|KASAN|UBSAN|circular locking|sleeping function called|Call Trace'
	if ! grep -q 'reboot: Restarting system' "$dir/reboot.log"; then
		# Bochs writes ">>PANIC<<" and its message, then each CPU's
		# registers, when it quits: on SIGHUP (a stalled reboot, in
		# the wait above) or on a panic of its own, which the line
		# names first.
		n=$(grep -a -n -m 1 '>>PANIC<<' "$dir/bochs.log" 2>/dev/null | cut -d: -f1) || true
		quit=
		[ -z "$n" ] || quit=$(sed -n "${n}s/^[0-9]*p//p" "$dir/bochs.log")
		if [ -n "${emu_rc:-}" ]; then
			why="the emulator quit (exit status $emu_rc) $((SECONDS - ${reboot_wait:-$SECONDS})) s after MINIKVM-REBOOT-BEGIN: ${quit:-no panic in its log}"
		else
			why="no restart after $((SECONDS - ${reboot_wait:-$SECONDS})) s (limit $reboot_limit) of MINIKVM-REBOOT-BEGIN"
		fi
		echo "MINIKVM-CHECK reboot fail $why; the console since:" >> "$console"
		sed 's/^/MINIKVM-LOG: /' "$dir/reboot.log" | tail -n 40 >> "$console"
		for f in emulator.state drain.log; do
			[ ! -s "$dir/$f" ] || sed 's/^/MINIKVM-LOG: /' "$dir/$f" >> "$console"
		done
		# Its messages up to the quit (what led there), then its
		# registers; without a quit, its last ones.
		echo "MINIKVM-LOG: the emulator's last messages ($backend):" >> "$console"
		if [ -n "$n" ]; then
			sed -n "$((n > 80 ? n - 80 : 1)),$((n + 60))p" "$dir/bochs.log"
		elif [ -s "$dir/bochs.log" ]; then
			tail -n 120 "$dir/bochs.log"
		fi | sed 's/^/MINIKVM-LOG: /' >> "$console"
	elif grep -aE "$bad" "$dir/reboot.log" > "$dir/reboot.bad"; then
		echo "MINIKVM-CHECK reboot fail $(wc -l < "$dir/reboot.bad") bad lines before the restart:" >> "$console"
		sed 's/^/MINIKVM-LOG: /' "$dir/reboot.log" | head -n 60 >> "$console"
	else
		echo "MINIKVM-CHECK reboot ok restarted with a vCPU running" >> "$console"
	fi
fi
elapsed=$((SECONDS - start))
echo "$elapsed" > "$dir/elapsed"
echo "$backend" > "$dir/backend"

case $rc in
0) echo "test-vm: $name: finished in ${elapsed}s" ;;
3) echo "test-vm: $name: TIMEOUT after ${timeout}s; last console lines:" ;;
4) echo "test-vm: $name: guest KERNEL PANIC after ${elapsed}s; last console lines:" ;;
5) echo "test-vm: $name: $backend exited without finishing after ${elapsed}s ($dir/backend.log, $dir/bochs.log); last console lines:" ;;
6) echo "test-vm: $name: guest restarted without MINIKVM-DONE after ${elapsed}s; last console lines:" ;;
esac
[ $rc -eq 0 ] || tail -n 30 "$console" | sed 's/^/    | /'
exit $rc
