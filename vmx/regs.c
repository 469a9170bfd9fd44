// SPDX-License-Identifier: GPL-2.0
/*
 * VT-x's side of the guest-state accessors of core/vendor.h: where each
 * piece of guest state lives (the VMCS, struct vmx_vcpu, or the GPR array
 * vmenter.S fills) is known here and nowhere above.
 *
 * Environment: vCPU loaded (its VMCS current on this CPU).
 */
#include <linux/kernel.h>
#include <linux/kvm_host.h>
#include <linux/nospec.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "vmx/exit.h"
#include "vmx/gpr.h"
#include "vmx/vmx.h"
#include "vmx/capability.h"
#include "vmx/vmx_ops.h"

unsigned long minikvm_register_read(struct minikvm_vcpu *vcpu, unsigned int reg)
{
	if (reg == __VCPU_REGS_RSP)
		return vmcs_readl(GUEST_RSP);
	return to_vmx(vcpu)->regs[reg & 15];
}

void minikvm_register_write(struct minikvm_vcpu *vcpu, unsigned int reg, unsigned long val)
{
	if (reg == __VCPU_REGS_RSP)
		vmcs_writel(GUEST_RSP, val);
	else
		to_vmx(vcpu)->regs[reg & 15] = val;
}

unsigned long minikvm_rip_read(struct minikvm_vcpu *vcpu)
{
	return vmcs_readl(GUEST_RIP);
}

void minikvm_rip_write(struct minikvm_vcpu *vcpu, unsigned long rip)
{
	vmcs_writel(GUEST_RIP, rip);
}

unsigned long minikvm_get_rflags(struct minikvm_vcpu *vcpu)
{
	return vmcs_readl(GUEST_RFLAGS);
}

void minikvm_set_rflags(struct minikvm_vcpu *vcpu, unsigned long rflags)
{
	vmcs_writel(GUEST_RFLAGS, rflags);
}

void minikvm_write_tsc_offset(struct minikvm_vcpu *vcpu, u64 offset)
{
	vmcs_write64(TSC_OFFSET, offset);
}

unsigned long minikvm_get_dr7(struct minikvm_vcpu *vcpu)
{
	return vmcs_readl(GUEST_DR7);
}

void minikvm_set_dr7(struct minikvm_vcpu *vcpu, unsigned long dr7)
{
	mvmx_set_guest_dr7(vcpu, dr7);
}

void minikvm_skip_emulated_instruction(struct minikvm_vcpu *vcpu)
{
	mvmx_skip_instruction(vcpu);
}

void minikvm_advance_rip(struct minikvm_vcpu *vcpu, unsigned int len)
{
	mvmx_advance_rip(vcpu, len);
}

/* CS.L in IA-32e mode is 64-bit code; otherwise CS.D/B picks 32 or 16. */
unsigned int minikvm_code_mode(struct minikvm_vcpu *vcpu)
{
	if (vmx_is_64bit_code(vcpu))
		return 64;
	return vmcs_read32(GUEST_CS_AR_BYTES) & VMX_AR_DB_MASK ? 32 : 16;
}

/* SS.DPL is the CPL (SDM Vol. 3A, "Privilege Levels"), as KVM reads it. */
unsigned int minikvm_get_cpl(struct minikvm_vcpu *vcpu)
{
	return VMX_AR_DPL(vmcs_read32(GUEST_SS_AR_BYTES));
}

unsigned long minikvm_get_segment_base(struct minikvm_vcpu *vcpu, unsigned int seg)
{
	static const u32 bases[] = {
		[VCPU_SREG_ES] = GUEST_ES_BASE, [VCPU_SREG_CS] = GUEST_CS_BASE,
		[VCPU_SREG_SS] = GUEST_SS_BASE, [VCPU_SREG_DS] = GUEST_DS_BASE,
		[VCPU_SREG_FS] = GUEST_FS_BASE, [VCPU_SREG_GS] = GUEST_GS_BASE,
		[VCPU_SREG_TR] = GUEST_TR_BASE, [VCPU_SREG_LDTR] = GUEST_LDTR_BASE,
	};

	if (WARN_ON_ONCE(seg >= ARRAY_SIZE(bases)))
		return 0;
	return vmcs_readl(bases[array_index_nospec(seg, ARRAY_SIZE(bases))]);
}

bool minikvm_interrupt_allowed(struct minikvm_vcpu *vcpu)
{
	return (vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	       !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
		 (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)) &&
	       !(vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK);
}

unsigned long minikvm_read_cr0(struct minikvm_vcpu *vcpu)
{
	return mvmx_read_cr0(vcpu);
}

unsigned long minikvm_read_cr3(struct minikvm_vcpu *vcpu)
{
	return vmcs_readl(GUEST_CR3);
}

unsigned long minikvm_read_cr4(struct minikvm_vcpu *vcpu)
{
	return mvmx_read_cr4(vcpu);
}

/* The PDPTEs VM entry loaded for PAE paging (mvmx_load_pdptrs()). */
u64 minikvm_pdptr_read(struct minikvm_vcpu *vcpu, unsigned int index)
{
	static const u32 fields[] = { GUEST_PDPTR0, GUEST_PDPTR1, GUEST_PDPTR2, GUEST_PDPTR3 };

	if (WARN_ON_ONCE(index >= ARRAY_SIZE(fields)))
		return 0;
	return vmcs_read64(fields[array_index_nospec(index, ARRAY_SIZE(fields))]);
}

bool minikvm_is_long_mode(struct minikvm_vcpu *vcpu)
{
	return mvmx_is_long_mode(vcpu);
}

/* The exit interrupted the delivery of an event (IDT-vectoring info valid). */
bool minikvm_exit_during_event_delivery(struct minikvm_vcpu *vcpu)
{
	return vmcs_read32(IDT_VECTORING_INFO_FIELD) & VECTORING_INFO_VALID_MASK;
}

/* KVM's layout for VT-x: qualification, then IDT-vectoring information. */
void minikvm_get_exit_info(struct minikvm_vcpu *vcpu, u64 *reason, u64 *info1, u64 *info2,
			   u32 *intr_info, u32 *error_code)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	*reason = vmx->exit.reason;
	*info1 = vmx->exit.qualification;
	*info2 = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	*intr_info = 0;
	*error_code = 0;
}

int minikvm_internal_error(struct minikvm_vcpu *vcpu, u32 suberror)
{
	return mvmx_internal_error(vcpu, suberror);
}

/* SDM Vol. 3C, "INVEPT": one context when the CPU can, else all of them. */
void minikvm_flush_guest_tlb(u64 root)
{
	if (mvmx_info.ept_vpid_cap & VMX_EPT_EXTENT_CONTEXT_BIT)
		vmx_invept(VMX_EPT_EXTENT_CONTEXT, root);
	else
		vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0);
}
