#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug test-VM kernel (KASAN, lockdep, kmemleak; debug.config)
# from Debian's linux-source-6.1, once, and print the directory holding it:
#
#   DIR/src            the built kernel tree (KDIR for minikvm.ko)
#   DIR/bzImage        the kernel the test VM boots
#   DIR/modules        KVM, msr and friends: lib/modules/<release>/kernel
#   DIR/kernelrelease  uname -r of that kernel
#
# The tree lives outside the source tree, in $MINIKVM_CACHE (default
# /var/cache/minikvm), under a name hashed from everything that changes
# the result: the fragment, the source package version, the compiler and
# the recipe below. So a fresh clone, another worktree or a rerun finds
# it built, and a changed fragment gets a kernel of its own.
#
# Usage: debug-kernel.sh [JOBS]      (progress on stderr, DIR on stdout)
set -euo pipefail
# Run from make ci, this is a make two levels down: the caller's MAKEFLAGS
# (print-directory, its jobserver) would leak into the kernel's build and
# its "make[2]: Entering directory" lines into what we read back.
unset MAKEFLAGS MFLAGS MAKELEVEL

here=$(cd "$(dirname "$0")" && pwd)
jobs=${1:-2}
fragment=$here/debug.config
src_tar=/usr/src/linux-source-6.1.tar.xz
cache=${MINIKVM_CACHE:-/var/cache/minikvm}
# Bump when the build steps below change what ends up in DIR.
recipe=1

log() { echo "debug-kernel: $*" >&2; }

[ -f "$src_tar" ] || { log "$src_tar missing (tools/testvm/deps.sh installs linux-source-6.1)"; exit 1; }
key=$( {
	echo "recipe $recipe"
	cat "$fragment"
	dpkg-query -W -f='${Version}\n' linux-source-6.1
	gcc --version | head -n 1
} | sha256sum | cut -c1-16)
dir=$cache/debug-kernel-$key
mkdir -p "$cache"

# Two worktrees asking at once must not build the same tree twice.
exec 9>"$cache/.lock-$key"
flock 9

if [ -f "$dir/.done" ]; then
	# The build's own record of its release; an older recipe took it from
	# make's output, which make ci had polluted.
	cp "$dir/src/include/config/kernel.release" "$dir/kernelrelease"
	log "cached: $dir"
	echo "$dir"
	exit 0
fi

# A directory without .done is a build that was interrupted: start over.
rm -rf "$dir"
mkdir -p "$dir/src"
start=$SECONDS
log "building into $dir (cold build: several minutes)"
tar -xJf "$src_tar" -C "$dir/src" --strip-components=1

cd "$dir/src"
cp "$fragment" "$dir/debug.config"
# A KASAN build warns about large stack frames all over the kernel: the
# compiler's output goes to a log, shown only when the build fails.
blog=$dir/build.log
: > "$blog"
run() {
	"$@" >> "$blog" 2>&1 && return 0
	log "failed: $*; the end of $blog:"
	tail -n 40 "$blog" >&2
	exit 1
}
run make tinyconfig
run scripts/kconfig/merge_config.sh -m .config "$fragment"
run make olddefconfig

# Every option the fragment asks for must have survived, with its value.
missing=
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" .config || missing="$missing
  want $line, got: $(grep -E "^(# )?${line%%=*}[= ]" .config || echo 'absent (dependencies unmet)')"
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		grep -qE "^$opt=[ym]$" .config && missing="$missing
  want $line, got: $(grep -E "^$opt=" .config)"
		;;
	esac
done < "$fragment"
if [ -n "$missing" ]; then
	log "these options of $fragment did not end up in .config:$missing"
	exit 1
fi

run make -j"$jobs" bzImage modules
run make modules_install INSTALL_MOD_PATH="$dir/modules"
cp include/config/kernel.release "$dir/kernelrelease"
cp arch/x86/boot/bzImage "$dir/bzImage"
[ -f Module.symvers ] || { log "no Module.symvers: the tree cannot build external modules"; exit 1; }
touch "$dir/.done"
log "built $(cat "$dir/kernelrelease") in $((SECONDS - start))s"
echo "$dir"
