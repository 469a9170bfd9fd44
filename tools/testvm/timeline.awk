# SPDX-License-Identifier: GPL-2.0
#
# Sums up a test VM's timeline (test-vm.sh): lines "SECONDS CONSOLE-LINE",
# SECONDS being host wall-clock seconds since the VM was started. Prints
# ": boot Ns, tests Ns (NAME Ns, NAME Ns, NAME Ns), after Ns", a test's
# cost being its time on both devices together.
$2 == "MINIKVM-VM:" && $3 == "up," && !up { up = $1 }
$2 == "MINIKVM-BEGIN" { began = $1 }
$2 == "MINIKVM-END" {
	if (first == "")
		first = began
	cost[$4] += $1 - began
	last = $1
}
{ end = $1 }
END {
	if (up == "")
		exit
	printf ": boot %ds", up
	if (first != "") {
		printf ", tests %ds (", last - first
		for (k = 0; k < 3; k++) {
			best = ""
			for (t in cost)
				if (best == "" || cost[t] > cost[best])
					best = t
			if (best == "")
				break
			printf "%s%s %ds", k ? ", " : "", best, cost[best]
			delete cost[best]
		}
		printf "), after %ds", end - last
	}
	printf "\n"
}
