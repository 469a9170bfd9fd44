#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make layering: core/, mmu/ and irq/ reach VT-x only through
# core/vendor.h. Prints file:line and the rule for every line of them that
# names VMCS accessors (vmcs_*, __vmcs_*), the vendor's vCPU state
# (->vmx., to_vmx()) or includes a header of vmx/; exits 1 if any.
#
#   tools/check-layering.sh [DIR]   (DIR: the module root, default ..)
set -u
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 2

# rule|extended regular expression
rules='VMCS accessor|vmcs_
VMCS accessor|__vmcs
vendor vCPU state|->vmx\.
vendor vCPU state|to_vmx\(
vmx/ header|^[[:space:]]*#[[:space:]]*include[[:space:]]*"(\.\./)*vmx/'

bad=0
files=$(find core mmu irq -name '*.[ch]' | sort)
[ -n "$files" ] || { echo "layering: no sources under $top" >&2; exit 2; }
while IFS='|' read -r what re; do
	# shellcheck disable=SC2086
	hits=$(grep -nE -- "$re" $files) || continue
	printf '%s\n' "$hits" | while IFS= read -r h; do
		echo "${h%%:*}:$(echo "$h" | cut -d: -f2): $what outside vmx/: $(echo "$h" | cut -d: -f3-)"
	done
	bad=1
done <<EOF_RULES
$rules
EOF_RULES
if [ "$bad" -ne 0 ]; then
	echo "layering: core/, mmu/ and irq/ must use core/vendor.h, not vmx/" >&2
	exit 1
fi
echo "layering: core/, mmu/ and irq/ use no VT-x internals"
