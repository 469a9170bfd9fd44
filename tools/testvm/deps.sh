#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package minikvm needs to build, boot the nested test
# VM and run its tests. Idempotent: when everything is present it only
# reads dpkg's status and exits in well under a second.
#
# The guest kernel version is taken from what the linux-image-cloud-amd64
# metapackage depends on, and the headers are pinned to that same version.
# The chosen version is written to $BUILD/kver so that make can find it
# without asking apt again.
#
# Usage: deps.sh BUILD_DIR
set -eu

build=${1:?usage: deps.sh BUILD_DIR}
mkdir -p "$build"

base_pkgs="make gcc libc6-dev bochs bochsbios vgabios bochs-term busybox-static \
cpio isolinux syslinux-common genisoimage xorriso linux-source-6.1 \
qemu-system-x86 kmod xz-utils util-linux sparse clang libclang-rt-14-dev \
flex bison bc libelf-dev libssl-dev dwarves python3-docutils graphviz \
binutils file"

missing() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

apt_updated=
apt_install() {
	[ -n "$apt_updated" ] || { apt-get update -qq >&2; apt_updated=1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

if [ -s "$build/kver" ]; then
	kver=$(cat "$build/kver")
else
	[ -n "$(missing apt-utils)" ] || true
	apt-get update -qq >&2; apt_updated=1
	# "linux-image-6.1.0-NN-cloud-amd64" -> "6.1.0-NN"
	kver=$(apt-cache depends linux-image-cloud-amd64 |
		sed -n 's/.*Depends: linux-image-\(.*\)-cloud-amd64.*/\1/p' |
		grep -v unsigned | head -n1)
	[ -n "$kver" ] || { echo "deps: cannot resolve the cloud kernel version" >&2; exit 1; }
fi

need=$(missing $base_pkgs "linux-headers-$kver-cloud-amd64")
[ -z "$need" ] || apt_install $need

# The guest kernel image is unpacked into the build tree, never installed:
# the build host must not boot it and must not load its modules.
guest="$build/guest-$kver"
if [ ! -f "$guest/.unpacked" ]; then
	rm -rf "$guest" "$build/dl"
	mkdir -p "$guest" "$build/dl"
	[ -n "$apt_updated" ] || { apt-get update -qq >&2; apt_updated=1; }
	(cd "$build/dl" && apt-get download -qq "linux-image-$kver-cloud-amd64" >&2 ||
		apt-get download -qq "linux-image-$kver-cloud-amd64-unsigned" >&2)
	dpkg -x "$build"/dl/linux-image-*.deb "$guest"
	rm -rf "$build/dl"
	touch "$guest/.unpacked"
fi

# Written whole or not at all: make ci runs two makes that read it.
if [ "$(cat "$build/kver" 2>/dev/null)" != "$kver" ]; then
	echo "$kver" > "$build/kver.$$"
	mv "$build/kver.$$" "$build/kver"
fi
