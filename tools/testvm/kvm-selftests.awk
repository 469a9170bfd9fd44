# SPDX-License-Identifier: GPL-2.0
#
# Results of make kvm-selftests from the test VM's console log: one line
# per test and device (PASS, SKIP or FAIL from the exit status, kselftest's
# 4 being a skip; then the skip reason or the failing assertion), then a
# table of both devices side by side, with the counts. A test KVM did not
# run in this VM shows the list's record for KVM, in lower case.
#
# With -v gate=1 (make check), instead: one judged line per test and
# device in results.awk's format, by the list's kvm and minikvm columns,
# and a last line "COUNT <pass> <fail> <skip>". A test KVM fails here
# (listed fail) counts as a skip on KVM and, listed info, on minikvm.
#
# With -v embedded=1 as well, the tests ran in a make check VM after
# minikvm's own (whose markers name a /dev/ path and are left to
# results.awk, as are the VM's checks and its exit status): only these
# tests are judged, and the last line is "COUNT" as above.
#
# Usage: awk [-v gate=1 [-v embedded=1]] -v list=kvm-selftests.list -f kvm-selftests.awk console.log

function trim(s) {
	gsub(/\r/, "", s)
	sub(/^[ \t#-]+/, "", s)
	sub(/[ \t]+$/, "", s)
	return s
}

BEGIN {
	while ((getline line < list) > 0) {
		n = split(line, f, " ")
		if (n < 3 || f[1] ~ /^#/)
			continue
		listed[f[1]] = f[3]
		expect[f[1]] = f[4]
		if (f[5] == "check")
			checked[++nchecked] = f[1]
	}
}

function judge(what, dev, test, why) {
	printf "%-5s %-8s %-6s %s%s\n", what, dev, "kst", test, why == "" ? "" : "  " why
	judged[what]++
}

# Judge one result against the list (gate=1).
function gate_one(dev, test, res, why,    l, e) {
	l = (test in listed) ? listed[test] : "?"
	e = (test in expect) ? expect[test] : "pass"
	if (res == "PASS")
		judge("PASS", dev, test)
	else if (dev == "kvm")
		judge(res == "FAIL" && l == "fail" ? "SKIP" : res == "SKIP" && l != "pass" ? "SKIP" : "FAIL",
		      dev, test, "(" why ")")
	else if (e == "info")
		judge("SKIP", dev, test, "(for information: " res ", " why ")")
	else if (res == "SKIP" && (e == "skip" || l == "skip"))
		judge("SKIP", dev, test, "(" why ")")
	else
		judge("FAIL", dev, test, "(" res (res == "SKIP" ? " where KVM passes" : "") ": " why ")")
}

# The serial console ends its lines with CR LF.
{ sub(/\r$/, "") }

# minikvm's own selftests (make check): not these.
/^MINIKVM-(BEGIN|END) \/dev\// { inside = 0; next }

/^MINIKVM-BEGIN / {
	dev = $2; test = $3; inside = 1
	assertion = ""; after_assert = 0; skipwhy = ""; last = ""
	if (!(test in order_of)) {
		order_of[test] = ++ntests
		order[ntests] = test
	}
	next
}

# The VM's own checks (kernel log, rmmod): judged too with gate=1.
gate && !embedded && /^MINIKVM-CHECK / {
	why = ""
	for (i = 4; i <= NF; i++)
		why = why (i > 4 ? " " : "") $i
	judge($3 == "ok" ? "PASS" : "FAIL", "vm", "check." $2, why == "" ? "" : "(" why ")")
	checks[$2] = 1
	next
}

/^MINIKVM-END / && inside {
	rc = $4 + 0
	if (rc == 0) {
		res = "PASS"; why = ""
	} else if (rc == 4) {
		res = "SKIP"; why = skipwhy != "" ? skipwhy : last
	} else if (rc == 137) {
		res = "FAIL"; why = "killed at its time bound (" $5 ")"
		if (assertion != "")
			why = why "; " assertion
	} else {
		res = "FAIL"
		why = assertion != "" ? assertion : "exit " rc ": " last
		if (assertion != "" && last != "" && last != assertion)
			why = why " -- " last
	}
	result[dev, test] = res
	count[dev, res]++
	devs[dev] = 1
	inside = 0
	if (gate) {
		gate_one(dev, test, res, why)
		next
	}
	line = sprintf("%-4s  %-7s  %-38s %s", res, dev, test, why)
	sub(/ +$/, "", line)
	print line
	next
}

inside {
	line = $0
	gsub(/\r/, "", line)
	if (line ~ /==== Test Assertion Failure ====/) {
		after_assert = 1
		next
	}
	if (after_assert == 1) {
		assertion = trim(line)
		after_assert = 2
		next
	}
	if (line ~ /# SKIP|skipping test/) {
		skipwhy = trim(line)
		sub(/^ok [0-9]+ # SKIP */, "", skipwhy)
		sub(/^1\.\.0 # SKIP */, "", skipwhy)
		sub(/^- */, "", skipwhy)
	}
	# Not the stack dump (addr2line is not in the initramfs), not the
	# pid/errno line: what is left last is the assertion's own message.
	if (line !~ /^[ \t]*$/ && line !~ /addr2line|not found|pid=[0-9]+ tid=|^[ \t]*0x[0-9a-f]+|\?\?/)
		last = trim(line)
}

END {
	if (gate) {
		if (inside)
			judge("FAIL", dev, test, "(the VM stopped during this test)")
		if (!ntests)
			judge("FAIL", "vm", "kvm-selftests", "(no test ran: see the console log)")
		# In make check, every test of the run column "check" on both.
		for (i = 1; embedded && i <= nchecked; i++)
			for (d = split("kvm minikvm", gdev, " "); d > 0; d--)
				if (!((gdev[d], checked[i]) in result))
					judge("FAIL", gdev[d], checked[i], "(no result)")
		if (!embedded && !("kernel-log" in checks))
			judge("FAIL", "vm", "check.kernel-log", "(the VM never judged its kernel log)")
		if (!embedded && vmrc != 0)
			judge("FAIL", "vm", "boot", "(test-vm.sh exit " vmrc ")")
		print "COUNT", judged["PASS"] + 0, judged["FAIL"] + 0, judged["SKIP"] + 0
		exit 0
	}
	if (!ntests) {
		print "kvm-selftests: no test ran (see the console log)"
		exit 1
	}
	print ""
	printf "%-38s %-8s %-8s %s\n", "test", "kvm", "minikvm", "listed (kvm)"
	for (i = 1; i <= ntests; i++) {
		t = order[i]
		l = (t in listed) ? listed[t] : "-"
		# KVM not run in this VM (KVM_SELFTESTS_DEVICES=minikvm): what
		# the list recorded, in lower case.
		if (("kvm", t) in result) {
			k = result["kvm", t]
			note = (l != "?" && l != "-" && toupper(l) != k) ? "  (list says " l ")" : ""
		} else {
			k = l; note = ""
		}
		m = (("minikvm", t) in result) ? result["minikvm", t] : "-"
		printf "%-38s %-8s %-8s %s%s\n", t, k, m, l, note
		if (toupper(k) == "PASS" || toupper(k) == "SKIP") {
			good++
			good_res[m]++
		}
	}
	print ""
	split("kvm minikvm", devlist, " ")
	for (i = 1; i <= 2; i++) {
		d = devlist[i]
		if (d in devs)
			printf "%-8s %d passed, %d skipped, %d failed\n", d,
				count[d, "PASS"], count[d, "SKIP"], count[d, "FAIL"]
	}
	printf "of the %d tests that pass or skip on kvm, minikvm: %d passed, %d skipped, %d failed\n",
		good, good_res["PASS"], good_res["SKIP"], good_res["FAIL"]
}
