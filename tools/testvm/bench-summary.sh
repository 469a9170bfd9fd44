#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the BENCH lines of one test-VM boot (exit_bench, mmu_bench,
# irq_bench and the nested Linux's boot, on /dev/minikvm, then /dev/kvm),
# side by side with the ratio minikvm/kvm.
#
#   bench-summary.sh CONSOLE_LOG
set -uo pipefail
log=$1
tr -d '\r' < "$log" | awk '
function val(key,   i, kv) {
	for (i = 3; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == key)
			return kv[2]
	}
	return ""
}
/^BENCH \/dev\// {
	d = $2; sub(/^\/dev\//, "", d)
	cpuid[d] = val("cpuid"); out[d] = val("out"); loop[d] = val("loop"); n[d] = val("iterations")
	iofd[d] = val("ioeventfd")
	reps[d] = val("reps"); cmin[d] = val("cpuid_min"); cmax[d] = val("cpuid_max")
}
/^BENCH-MMU \/dev\// {
	d = $2; sub(/^\/dev\//, "", d)
	touch[d] = val("touch"); mapped[d] = val("mapped"); mmio[d] = val("mmio"); pages[d] = val("pages")
}
/^BENCH-BOOT \/dev\// {
	d = $2; sub(/^\/dev\//, "", d)
	boot[d] = val("ticks")
}
/^BENCH-IRQ \/dev\// {
	d = $2; sub(/^\/dev\//, "", d)
	ipi[d] = val("ipi"); timer[d] = val("timer"); msi[d] = val("msi"); hlt[d] = val("hlt")
	ioapic[d] = val("ioapic"); rounds[d] = val("rounds"); hmin[d] = val("hlt_min"); hmax[d] = val("hlt_max")
}
/^MINIKVM-BENCH-END / {
	d = $2; sub(/^\/dev\//, "", d)
	if ($3 != 0) failed[d] = $3
}
function show(d) {
	if (d in cpuid)
		printf "%-8s %12s %12s %12s %10s %8s\n", d, cpuid[d], out[d], iofd[d], loop[d], n[d]
	else
		printf "%-8s %12s %12s %12s %10s %8s  (exit_bench %s)\n", d, "-", "-", "-", "-", "-",
			(d in failed) ? "exit " failed[d] : "did not run"
}
function show_mmu(d) {
	if (d in touch)
		printf "%-8s %12s %12s %10s %8s\n", d, touch[d], mmio[d], mapped[d], pages[d]
	else
		printf "%-8s %12s %12s %10s %8s  (mmu_bench did not print)\n", d, "-", "-", "-", "-"
}
function show_irq(d) {
	if (d in ipi)
		printf "%-8s %10s %10s %10s %10s %10s %7s\n", d, ipi[d], timer[d], msi[d], hlt[d], ioapic[d], rounds[d]
	else
		printf "%-8s %10s %10s %10s %10s %10s %7s  (irq_bench did not print)\n", d, "-", "-", "-", "-", "-", "-"
}
function ratio(a, b) { return (a != "" && b != "" && b > 0) ? sprintf("%.2f", a / b) : "n/a" }
END {
	print "TSC ticks per exit, measured by the guest (Bochs clock: ticks follow instructions),"
	print "the median of " (reps["minikvm"] != "" ? reps["minikvm"] : "1") " runs of the guest on each device"
	printf "%-8s %12s %12s %12s %10s %8s\n", "device", "cpuid", "out(user)", "ioeventfd", "loop/iter", "iters"
	show("minikvm"); show("kvm")
	printf "%-8s %12s %12s %12s\n", "ratio", ratio(cpuid["minikvm"], cpuid["kvm"]), ratio(out["minikvm"], out["kvm"]),
		ratio(iofd["minikvm"], iofd["kvm"])
	for (d in cmin)
		if (cmin[d] != "")
			printf "cpuid over the runs, %s: %s to %s\n", d, cmin[d], cmax[d]
	print ""
	print "TSC ticks per 4 KiB page first touch (EPT fault-in) and per MMIO read to userspace"
	printf "%-8s %12s %12s %10s %8s\n", "device", "touch", "mmio(user)", "mapped", "pages"
	show_mmu("minikvm"); show_mmu("kvm")
	printf "%-8s %12s %12s\n", "ratio", ratio(touch["minikvm"], touch["kvm"]), ratio(mmio["minikvm"], mmio["kvm"])
	print ""
	print "TSC ticks from the sending of an interrupt (or the deadline of the timer) to the handler,"
	print "the median of the rounds: ipi is a round trip between two running vCPUs; timer a"
	print "TSC-deadline timer, vCPU halted; msi KVM_SIGNAL_MSI from another thread, vCPU running;"
	print "hlt the same, vCPU halted; ioapic KVM_IRQ_LINE of an edge IOAPIC pin, vCPU running"
	printf "%-8s %10s %10s %10s %10s %10s %7s\n", "device", "ipi", "timer", "msi", "hlt", "ioapic", "rounds"
	show_irq("minikvm"); show_irq("kvm")
	printf "%-8s %10s %10s %10s %10s %10s\n", "ratio", ratio(ipi["minikvm"], ipi["kvm"]),
		ratio(timer["minikvm"], timer["kvm"]), ratio(msi["minikvm"], msi["kvm"]),
		ratio(hlt["minikvm"], hlt["kvm"]), ratio(ioapic["minikvm"], ioapic["kvm"])
	for (d in hmin)
		if (hmin[d] != "")
			printf "hlt over the rounds, %s: %s to %s\n", d, hmin[d], hmax[d]
	print ""
	print "Nested guest boot (mkvm run, 1 vCPU): TSC ticks of the test VM from mkvm start to the guest'"'"'s /init"
	printf "%-8s %14s\n", "device", "ticks"
	printf "%-8s %14s\n", "minikvm", ("minikvm" in boot) ? boot["minikvm"] : "-"
	printf "%-8s %14s\n", "kvm", ("kvm" in boot) ? boot["kvm"] : "-"
	printf "%-8s %14s\n", "ratio", ratio(boot["minikvm"], boot["kvm"])
	if (!("kvm" in cpuid))
		exit 1
}'
