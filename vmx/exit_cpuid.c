// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID: answered from the table userspace gave with KVM_SET_CPUID2
 * (minikvm_find_cpuid() in core/cpuid.c), with the bits that follow guest
 * state patched in at run time, as KVM does: CPUID.1:ECX.OSXSAVE mirrors
 * the guest's CR4.OSXSAVE, CPUID.1:EDX.APIC its APIC-base enable bit.
 */
#include <asm/cpufeatures.h>

#include "core/minikvm.h"
#include "vmx/vmx.h"
#include "vmx/exit.h"

int mvmx_handle_cpuid(struct minikvm_vcpu *vcpu)
{
	unsigned long *regs = to_vmx(vcpu)->regs;
	u32 fn = regs[__VCPU_REGS_RAX], idx = regs[__VCPU_REGS_RCX];
	const struct kvm_cpuid_entry2 *e = minikvm_find_cpuid(vcpu, fn, idx);
	u32 eax = 0, ebx = 0, ecx = 0, edx = 0;

	if (e) {
		eax = e->eax;
		ebx = e->ebx;
		ecx = e->ecx;
		edx = e->edx;
		if (e->function == 1) {
			ecx &= ~BIT(X86_FEATURE_OSXSAVE & 31);
			if (to_vmx(vcpu)->cr4 & X86_CR4_OSXSAVE)
				ecx |= BIT(X86_FEATURE_OSXSAVE & 31);
			if (!(vcpu->msr_apic_base & MSR_IA32_APICBASE_ENABLE))
				edx &= ~BIT(X86_FEATURE_APIC & 31);
		}
	}
	/* CPUID writes the 32-bit registers: the upper halves are zeroed. */
	regs[__VCPU_REGS_RAX] = eax;
	regs[__VCPU_REGS_RBX] = ebx;
	regs[__VCPU_REGS_RCX] = ecx;
	regs[__VCPU_REGS_RDX] = edx;
	mvmx_skip_instruction(vcpu);
	return RESUME_GUEST;
}
