/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Speculative-execution hygiene around VM entry that is not in the entry
 * stub itself (vmx/vmenter.S has VERW, GPR zeroing, the RSB fill and the
 * branch-history clear): the L1D flush before entry, and which of the
 * stub's two exit paths HOST_RIP names (mvmx_host_rip). vmx/speculation.c
 * decides both at load, from the host kernel's own mitigation settings;
 * with "mitigations=off" or on a CPU without L1TF the static branch is
 * never patched in and costs nothing.
 */
#ifndef MINIKVM_VMX_SPECULATION_H
#define MINIKVM_VMX_SPECULATION_H

#include <linux/jump_label.h>
#include <asm/msr.h>
#include <asm/msr-index.h>

DECLARE_STATIC_KEY_FALSE(mvmx_l1d_flush_on_entry);
extern unsigned long mvmx_host_rip;

void mvmx_setup_speculation(void);

/*
 * L1TF: a guest can read host data that is in L1D through a not-present
 * guest PTE (SDM has no section; Intel's "L1 Terminal Fault" guidance).
 * Flush L1D before every entry where the host kernel wants L1TF
 * mitigated. KVM's default flushes only after "unsafe" exits; minikvm
 * flushes on every entry, the simple rule that cannot miss a path.
 */
static __always_inline void vmx_flush_l1d(void)
{
	if (static_branch_unlikely(&mvmx_l1d_flush_on_entry))
		native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
}

#endif /* MINIKVM_VMX_SPECULATION_H */
