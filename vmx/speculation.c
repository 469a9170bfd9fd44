// SPDX-License-Identifier: GPL-2.0
/*
 * Which speculative-execution mitigations the VM entry path applies,
 * decided once at load from what the host kernel chose for itself (its
 * X86_BUG_* and X86_FEATURE_* bits and "mitigations=" setting), so that a
 * host that turned mitigations off pays nothing and one that turned them
 * on gets what KVM would give its guests:
 *
 *   MDS, TAA, MMIO stale data, RFDS   VERW before entry (vmenter.S)
 *   Spectre v1 (guest GPR values)     GPRs zeroed after exit (vmenter.S, by
 *                                     HOST_RIP: mvmx_host_rip, here)
 *   Spectre v2 (RSB, BHI)             RSB fill, BHB clear after exit (vmenter.S)
 *   Spectre v2 between guests         IBPB on a VMCS switch (vcpu_load.c)
 *   L1TF                              L1D flush before entry (here)
 *   SSB, IBRS                         IA32_SPEC_CTRL is not given to guests
 *
 * Environment: module load.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/kernel.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>

#include "vmx/speculation.h"
#include "vmx/vmenter.h"

DEFINE_STATIC_KEY_FALSE(mvmx_l1d_flush_on_entry);

/* Every VMCS's HOST_RIP (vmx/vmcs.c). */
unsigned long mvmx_host_rip __read_mostly;

void mvmx_setup_speculation(void)
{
	/*
	 * KVM zeroes the guest's GPRs after every exit whatever the setting;
	 * minikvm lets "mitigations=off" drop it with the rest (vmenter.S).
	 */
	mvmx_host_rip = cpu_mitigations_off() ?
			(unsigned long)mvmx_vmexit_mitigations_off :
			(unsigned long)mvmx_vmexit;

	if (!boot_cpu_has_bug(X86_BUG_L1TF) || l1tf_mitigation == L1TF_MITIGATION_OFF)
		return;
	if (!boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		/* KVM falls back to reading a 64 KiB buffer; minikvm does not. */
		pr_info("L1TF: this CPU has no L1D flush command; guests are not isolated from L1D\n");
		return;
	}
	static_branch_enable(&mvmx_l1d_flush_on_entry);
}
