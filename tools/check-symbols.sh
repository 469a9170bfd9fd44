#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make symbols: every global symbol of minikvm.ko carries its layer's
# prefix, and none has the name of a symbol of kvm.ko or kvm-intel.ko.
# minikvm and kvm_intel may be loaded together; a shared name would make
# ftrace and perf filters, kallsyms and crash backtraces ambiguous.
#
#   core/  minikvm_        vmx/  mvmx_        mmu/  mmu_ ept_
#
# Kbuild's and the tracepoints' own symbols (__*, init_module,
# cleanup_module) are exempt. The KVM modules are those of the test VM's
# kernel, unpacked by deps.sh; without them only the prefixes are checked.
#
#   tools/check-symbols.sh MODULE.ko [KVM_MODULE_DIR]
set -u
ko=${1:?usage: check-symbols.sh MODULE.ko [KVM_MODULE_DIR]}
kvmdir=${2:-}
[ -f "$ko" ] || { echo "symbols: $ko not built" >&2; exit 2; }

globals=$(nm "$ko" | awk '$2 ~ /^[TDBR]$/ { print $3 }' | sort -u)
bad=0
for s in $globals; do
	case "$s" in
	minikvm_* | mvmx_* | mmu_* | ept_* | __* | init_module | cleanup_module) ;;
	*) echo "symbols: $s: a global symbol needs its layer's prefix"; bad=1 ;;
	esac
done

if [ -n "$kvmdir" ] && [ -f "$kvmdir/kvm.ko" ] && [ -f "$kvmdir/kvm-intel.ko" ]; then
	theirs=$(mktemp)
	nm "$kvmdir/kvm.ko" "$kvmdir/kvm-intel.ko" | awk 'NF >= 2 { print $NF }' | sort -u > "$theirs"
	shared=$(printf '%s\n' "$globals" | grep -vxE '__this_module|init_module|cleanup_module' |
		 grep -xFf "$theirs")
	rm -f "$theirs"
	for s in $shared; do
		echo "symbols: $s: kvm.ko or kvm-intel.ko has a symbol of that name"
		bad=1
	done
	checked="prefixes and KVM's names"
else
	checked="prefixes (no KVM modules to compare with)"
fi
[ "$bad" -eq 0 ] || exit 1
echo "symbols: $(printf '%s\n' "$globals" | wc -l) global symbols, $checked ok"
