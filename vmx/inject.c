// SPDX-License-Identifier: GPL-2.0
/*
 * What exit handlers do to the guest's instruction stream: move RIP past
 * the instruction that exited, or raise an exception for it (queued in
 * irq/event.c, injected by vmx/event_inject.c before the next entry).
 *
 * Environment: vCPU loaded, exit handler context.
 */
#include <linux/kernel.h>
#include <asm/kvm_host.h>
#include <asm/debugreg.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "vmx/vmx.h"
#include "irq/event.h"
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"

/*
 * RIP past @len bytes, as the CPU leaves it after an instruction: wrapped
 * at 32 bits outside 64-bit code, STI and MOV SS blocking over.
 */
static void vmx_move_rip(struct minikvm_vcpu *vcpu, unsigned int len)
{
	unsigned long rip = vmcs_readl(GUEST_RIP) + len;
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	/*
	 * Outside 64-bit code RIP wraps at 32 bits; below 4 GiB that changes
	 * nothing, and the CS access rights are not read.
	 */
	if (rip > U32_MAX &&
	    (!(vmcs_read32(GUEST_CS_AR_BYTES) & VMX_AR_L_MASK) || !mvmx_is_long_mode(vcpu)))
		rip = (u32)rip;
	vmcs_writel(GUEST_RIP, rip);
	/* An instruction completed: STI and MOV SS blocking end with it. */
	if (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     intr & ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

/* Guest RIP past the exiting instruction, as the CPU would have left it. */
void mvmx_skip_instruction(struct minikvm_vcpu *vcpu)
{
	mvmx_advance_rip(vcpu, to_vmx(vcpu)->exit.instr_len);
}

/*
 * INT1 (ICEBP): RIP past it with no single-step trap; its own #DB is on
 * its way, and delivering it clears TF (KVM skips it the same way).
 */
void mvmx_skip_instruction_notrap(struct minikvm_vcpu *vcpu)
{
	vmx_move_rip(vcpu, to_vmx(vcpu)->exit.instr_len);
}

/*
 * Guest RIP past an instruction of @len bytes that minikvm completed.
 * Every instruction minikvm completes for the guest ends here, so this is
 * where EFLAGS.TF gets its single-step trap, as the CPU would have raised
 * it after the instruction: #DB with DR6.BS (SDM Vol. 3B, "Single-Step
 * Exception Condition"; KVM: kvm_skip_emulated_instruction()), TF as it
 * was while the instruction ran. With TF clear this costs one VMREAD.
 */
void mvmx_advance_rip(struct minikvm_vcpu *vcpu, unsigned int len)
{
	unsigned long rflags = vmcs_readl(GUEST_RFLAGS);

	vmx_move_rip(vcpu, len);
	if (unlikely(rflags & X86_EFLAGS_TF)) {
		vcpu->dr6 = (vcpu->dr6 & ~DR_TRAP_BITS) | DR6_BS;
		mvmx_queue_exception(vcpu, DB_VECTOR, false, 0);
	}
}

/*
 * An exception for the instruction that exited; irq/event.c injects it
 * with the next entry. A soft one (INT3, INTO) returns past that
 * instruction, whose length this exit reports.
 */
void mvmx_queue_exception(struct minikvm_vcpu *vcpu, u8 vector, bool has_error, u32 error)
{
	vcpu->event_insn_len = to_vmx(vcpu)->exit.instr_len;
	minikvm_queue_exception(vcpu, vector, has_error, error);
}

/* #GP(0) for the instruction that exited; the guest resumes to take it. */
int mvmx_inject_gp(struct minikvm_vcpu *vcpu)
{
	mvmx_queue_exception(vcpu, GP_VECTOR, true, 0);
	return RESUME_GUEST;
}
