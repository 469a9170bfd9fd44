#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-compare: the figures of exit_bench and mmu_bench for each run
# of one test-VM boot (base-1, head-1, kvm, base-2, head-2: init.sh's
# MINIKVM-BENCH-BEGIN/END markers around each run), one column per run,
# one row per exit path, with the ratio HEAD/BASE over both runs of each
# and the drift of each within the boot (base-2/base-1, head-2/head-1).
# Exit status 1 when a run failed or did not print, or a VM-level check
# failed.
#
#   bench-compare-summary.sh CONSOLE_LOG [BASE_NAME [HEAD_NAME]]
set -uo pipefail
log=$1
tr -d '\r' < "$log" | awk -v base_name="${2:-BASE}" -v head_name="${3:-HEAD}" '
function val(key,   i, kv) {
	for (i = 3; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == key)
			return kv[2]
	}
	return "-"
}
/^MINIKVM-BENCH-BEGIN / { run = $2; seen[run] = 1; next }
/^MINIKVM-BENCH-END / { if ($3 != 0) failed[$2] = $3; run = ""; next }
/^BENCH \/dev\// && run != "" {
	fig[run, "cpuid"] = val("cpuid"); fig[run, "out"] = val("out")
	fig[run, "ioeventfd"] = val("ioeventfd")
}
/^BENCH-MMU \/dev\// && run != "" {
	fig[run, "touch"] = val("touch"); fig[run, "mmio"] = val("mmio")
}
/^MINIKVM-CHECK / && $3 != "ok" { checks = checks "\n" $0 }
function get(r, k) { return ((r, k) in fig) ? fig[r, k] : "-" }
function num(v) { return v ~ /^[0-9.]+$/ && v > 0 }
function ratio(a, b) { return num(a) && num(b) ? sprintf("%.3f", a / b) : "n/a" }
function row(k, label,   i, h1, h2, b1, b2, q, slow) {
	printf "%-11s", label
	for (i = 1; i <= nruns; i++)
		printf " %8s", get(runs[i], k)
	h1 = get("head-1", k); h2 = get("head-2", k); b1 = get("base-1", k); b2 = get("base-2", k)
	q = num(h1) && num(h2) && num(b1) && num(b2) ? (h1 + h2) / (b1 + b2) : "n/a"
	slow = (q != "n/a" && q > 1.05) ? "  HEAD more than 5% slower" : ""
	printf " %10s %6s %6s%s\n", (q == "n/a") ? q : sprintf("%.3f", q), ratio(b2, b1), ratio(h2, h1), slow
}
END {
	nruns = split("base-1 head-1 kvm base-2 head-2", runs, " ")
	print "Guest TSC ticks per exit (touch: per 4 KiB page first touched), one test-VM boot;"
	print "runs in this order, one module loaded at a time: base = minikvm " base_name ","
	print "head = minikvm " head_name ", kvm = KVM (kvm_intel)"
	printf "%-11s", "exit path"
	for (i = 1; i <= nruns; i++)
		printf " %8s", runs[i]
	printf " %10s %6s %6s\n", "HEAD/BASE", "base", "head"
	row("cpuid", "cpuid")
	row("out", "out(user)")
	row("ioeventfd", "ioeventfd")
	row("touch", "touch")
	row("mmio", "mmio(user)")
	print "HEAD/BASE: (head-1 + head-2) / (base-1 + base-2); base, head: the drift within"
	print "the boot, base-2 / base-1 and head-2 / head-1"
	bad = 0
	for (i = 1; i <= nruns; i++) {
		if (!(runs[i] in seen)) {
			printf "%s: did not run\n", runs[i]; bad = 1
		} else if (runs[i] in failed) {
			printf "%s: a benchmark exited with status %s\n", runs[i], failed[runs[i]]; bad = 1
		}
	}
	if (checks != "") {
		printf "VM checks that failed:%s\n", checks; bad = 1
	}
	exit bad
}'
