#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make run: print from the test VM's console log what the VM found, so it
# is on the terminal and not only in the log: the guest kernel and CPU,
# minikvm's load messages, each MINIKVM-SHOW section of init.sh (the VMX
# probe of mkvm --info, the GVA -> GPA -> HVA -> HPA chain of
# mkvm --translate, the nested Linux's console under mkvm run, its lines
# unmarked) and the VM-level checks. Exit status 1 when a section
# or a check failed, or the log holds no section at all.
#
#   show-run.sh CONSOLE_LOG
set -u
log=${1:?usage: show-run.sh CONSOLE_LOG}
tr -d '\r' < "$log" | awk -v logfile="$log" '
/^MINIKVM-VM: up/ { sub(/^MINIKVM-VM: /, ""); print "== test VM: " $0; next }
/^model name/ { sub(/^model name[ \t]*: */, ""); print "   CPU: " $0; next }
/^MINIKVM-VM: minikvm:/ { sub(/^MINIKVM-VM: /, "   "); print; next }
/^MINIKVM-SHOW-END / {
	if ($2 != 0) { print "   (exit status " $2 ")"; bad = 1 }
	inside = 0; next
}
/^MINIKVM-SHOW / { sub(/^MINIKVM-SHOW /, ""); print ""; print "== " $0; inside = 1; shown++; next }
inside { sub(/^# \| /, ""); print; next }
/^MINIKVM-VM: minikvm has no/ { sub(/^MINIKVM-VM: /, ""); print ""; print "   " $0; next }
/^MINIKVM-CHECK / {
	why = ""
	for (i = 4; i <= NF; i++) why = why " " $i
	checks = checks sprintf("%-5s %s%s\n", $3 == "ok" ? "PASS" : "FAIL", $2, why)
	if ($3 != "ok") bad = 1
	next
}
/^MINIKVM-DONE/ { done = 1 }
END {
	print ""
	printf "== checks\n%s", checks
	if (!done)
		print "FAIL  the VM did not finish (no MINIKVM-DONE)"
	print ""
	print "(the whole console: " logfile ")"
	if (!shown || !done || bad) exit 1
}'
