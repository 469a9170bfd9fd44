# SPDX-License-Identifier: GPL-2.0
#
# Turn one test VM's serial console into result lines, one per test case
# and device:
#   PASS|FAIL|SKIP  <device>  <vm>  <test>.<case>  [why]
# and a last line "COUNT <pass> <fail> <skip>".
#
# Variables: vm (the VM's label, e.g. 1cpu-2), tests (the test names this
# VM must run), devs (the devices each must run on), vmrc (test-vm.sh's
# exit status), noapicv (the tests that must also have run on devices
# minikvm-noapicv and minikvm-vid: minikvm loaded with enable_apicv=0,
# then with enable_vid=1 enable_x2apic_virt=1).
function short(dev) { sub(/^\/dev\//, "", dev); return dev }
function report(what, dev, name, why) {
	printf "%-5s %-8s %-6s %s%s\n", what, dev, vm, name, why == "" ? "" : "  " why
	count[what]++
}
BEGIN {
	count["PASS"] = count["FAIL"] = count["SKIP"] = 0
	nt = split(tests, tlist, " ")
	nd = split(devs, dlist, " ")
	na = split(noapicv, alist, " ")
	split("minikvm-noapicv minikvm-vid", apass, " ")
}
{ sub(/\r$/, "") }
# Linux's KVM selftests in the same VM (their device has no /dev/ in
# front): kvm-selftests.awk judges them, not this.
/^MINIKVM-(BEGIN|END) / && $2 !~ /^\/dev\// { running = 0; next }
/^MINIKVM-BEGIN / {
	dev = short($2); test = $3; running = 1; cur = ""; cases = fails = 0
	begun[dev " " test] = 1
	next
}
/^MINIKVM-END / {
	rc = $4; ended[dev " " test] = 1; running = 0
	if (rc == 137)
		report("FAIL", dev, test, "(killed at its time bound)")
	else if (rc != 0 && fails == 0)
		report("FAIL", dev, test, "(exit " rc ", no failing case reported)")
	else if (cases == 0)
		report("FAIL", dev, test, "(no KTAP results)")
	next
}
running && $1 == "#" && $2 == "RUN" { cur = $3; sub(/^global\./, "", cur); next }
running && /^ok [0-9]+ # SKIP/ {
	why = $0; sub(/^ok [0-9]+ # SKIP */, "", why)
	report("SKIP", dev, test "." cur, "(" why ")"); cases++; next
}
running && /^ok [0-9]+ / { n = $3; sub(/^global\./, "", n); report("PASS", dev, test "." n); cases++; next }
running && /^not ok [0-9]+ / {
	n = $4; sub(/^global\./, "", n); report("FAIL", dev, test "." n); cases++; fails++; next
}
/^MINIKVM-CHECK / {
	why = ""
	for (i = 4; i <= NF; i++) why = why (i > 4 ? " " : "") $i
	report($3 == "ok" ? "PASS" : "FAIL", "vm", "check." $2, why)
	checks[$2] = 1
	next
}
/^MINIKVM-LOG: / { sub(/^MINIKVM-LOG: /, "      | "); print; next }
END {
	if (running)
		report("FAIL", dev, test, "(the VM stopped during this test)")
	for (d = 1; d <= nd; d++)
		for (t = 1; t <= nt; t++)
			if (!((dlist[d] " " tlist[t]) in begun))
				report("FAIL", dlist[d], tlist[t], "(no result)")
	for (t = 1; t <= na; t++)
		for (p = 1; p <= 2; p++)
			if (!((apass[p] " " alist[t]) in begun))
				report("FAIL", apass[p], alist[t], "(no result)")
	if (!("kernel-log" in checks))
		report("FAIL", "vm", "check.kernel-log", "(the VM never judged its kernel log)")
	if (vmrc != 0)
		report("FAIL", "vm", "boot", "(test-vm.sh exit " vmrc ": see above)")
	print "COUNT", count["PASS"], count["FAIL"], count["SKIP"]
}
