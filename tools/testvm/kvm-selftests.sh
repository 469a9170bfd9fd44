#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build Linux's own KVM selftests (tools/testing/selftests/kvm, x86_64)
# from Debian's linux-source-6.1, statically linked so that they run in the
# test VM's busybox initramfs, once, and print the directory holding them:
#
#   DIR/bin/<test>     every test that built (x86_64/ tests and the
#                      generic ones, flat, by their base name)
#   DIR/build.log      the compiler's output
#
# Cached like the debug kernel (debug-kernel.sh): in $MINIKVM_CACHE
# (default /var/cache/minikvm) under kvm-selftests-<hash>, the hash taken
# over the source package version, the compiler and the recipe below. The
# kernel tree is only needed while building and is removed afterwards.
#
# Usage: kvm-selftests.sh [JOBS]     (progress on stderr, DIR on stdout)
set -euo pipefail
# Called from make: its MAKEFLAGS (jobserver, print-directory) must not
# reach the selftests' own make.
unset MAKEFLAGS MFLAGS MAKELEVEL

jobs=${1:-2}
src_tar=/usr/src/linux-source-6.1.tar.xz
cache=${MINIKVM_CACHE:-/var/cache/minikvm}
# Bump when the build steps below change what ends up in DIR.
recipe=1

log() { echo "kvm-selftests: $*" >&2; }

[ -f "$src_tar" ] || { log "$src_tar missing (tools/testvm/deps.sh installs linux-source-6.1)"; exit 1; }
key=$( {
	echo "kvm-selftests recipe $recipe"
	dpkg-query -W -f='${Version}\n' linux-source-6.1
	gcc --version | head -n 1
	dpkg-query -W -f='${Version}\n' libc6-dev
} | sha256sum | cut -c1-16)
dir=$cache/kvm-selftests-$key
mkdir -p "$cache"

# Two worktrees asking at once must not build the same thing twice.
exec 9>"$cache/.lock-$key"
flock 9

if [ -f "$dir/.done" ]; then
	log "cached: $dir ($(find "$dir/bin" -type f | wc -l) tests)"
	echo "$dir"
	exit 0
fi

# A directory without .done is a build that was interrupted: start over.
rm -rf "$dir"
mkdir -p "$dir/src" "$dir/bin"
start=$SECONDS
log "building into $dir (cold build: a few minutes)"
tar -xJf "$src_tar" -C "$dir/src" --strip-components=1

blog=$dir/build.log
: > "$blog"
cd "$dir/src"
# The selftests include the kernel's UAPI headers from usr/include, which
# make headers writes in the tree (headers_install would need rsync).
make headers >> "$blog" 2>&1 || {
	log "make headers failed; the end of $blog:"
	tail -n 40 "$blog" >&2
	exit 1
}
# -k: a test that does not build with this toolchain is left out, not
# fatal; what did build is what the list (kvm-selftests.list) can run.
# -static is in EXTRA_CFLAGS because the link uses CFLAGS too, and a
# LDFLAGS given here would replace the Makefile's -pthread -no-pie.
make -k -j"$jobs" -C tools/testing/selftests/kvm EXTRA_CFLAGS=-static \
	>> "$blog" 2>&1 || log "some tests did not build (see $blog)"

kdir=tools/testing/selftests/kvm
for f in "$kdir"/x86_64/* "$kdir"/*; do
	if [ ! -f "$f" ] || [ ! -x "$f" ]; then continue; fi
	case "$f" in *.sh|*.c|*.o|*.h) continue ;; esac
	file -b "$f" 2>/dev/null | grep -q 'statically linked' ||
		{ log "not static, left out: $f"; continue; }
	cp "$f" "$dir/bin/"
done
n=$(find "$dir/bin" -type f | wc -l)
[ "$n" -gt 0 ] || { log "no test built; the end of $blog:"; tail -n 40 "$blog" >&2; exit 1; }
rm -rf "$dir/src"
touch "$dir/.done"
log "built $n tests in $((SECONDS - start))s"
echo "$dir"
