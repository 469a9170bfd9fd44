#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-initrd.sh OUT: the busybox initramfs of the nested Linux guest that
# mkvm run boots (test-vm.sh puts it in the test VM; make guest-initrd
# leaves it in build/ for mkvm run by hand). Its /init is guest-init.sh,
# the only other file /bin/busybox, which must be statically linked (Debian's
# busybox is). With mkvm_shell=1 on the guest's command line /init gives a
# shell on the console before it reboots.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: guest-initrd.sh OUT}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,proc,sys,dev}
cp /bin/busybox "$tmp/bin/busybox"
cp "$here/guest-init.sh" "$tmp/init"
chmod +x "$tmp/init"
(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
