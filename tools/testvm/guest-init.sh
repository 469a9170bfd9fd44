#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the nested Linux guest that mkvm run boots inside the test VM
# (selftests/mkvm_linux_boot_test.c, make run): it says how many CPUs it
# sees, shows /proc/interrupts (the timer and the UART's IRQ 4 on the CPUs
# that took them), prints its marker and reboots, which ends mkvm run with
# exit status 0. The host side parses these lines:
#
#   MKVM-GUEST: cpus N
#   MKVM-GUEST: interrupts            /proc/interrupts follows
#   MKVM-GUEST: shell                 with mkvm_shell=1, a shell follows
#   MKVM-GUEST-DONE uptime S
#
# mkvm_shell=1 on the guest's kernel command line (the kernel hands an
# unknown name=value to /init as an environment variable): an interactive
# shell on the serial console before the reboot; the reboot follows its
# exit. mkvm run by hand gets a shell this way, and the boot test types
# into it.
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
echo "MKVM-GUEST: cpus $(/bin/busybox grep -c '^processor' /proc/cpuinfo)"
echo "MKVM-GUEST: $(/bin/busybox uname -r), up $(/bin/busybox cut -d' ' -f1 /proc/uptime) s"
echo "MKVM-GUEST: interrupts"
/bin/busybox cat /proc/interrupts
if [ -n "$mkvm_shell" ]; then
	echo "MKVM-GUEST: shell"
	/bin/busybox sh
fi
echo "MKVM-GUEST-DONE uptime $(/bin/busybox cut -d' ' -f1 /proc/uptime)"
/bin/busybox reboot -f
