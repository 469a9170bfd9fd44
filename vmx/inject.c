// SPDX-License-Identifier: GPL-2.0
/*
 * Event injection: exceptions the exit handlers raise in the guest, events
 * set by KVM_SET_VCPU_EVENTS, and events whose delivery a VM exit cut
 * short (IDT-vectoring information), which must be delivered again.
 *
 * SDM Vol. 3C, "VM-Entry Controls for Event Injection" and "Information
 * for VM Exits During Event Delivery".
 *
 * Environment: vCPU loaded; mvmx_inject_pending() with IRQs off just
 * before entry.
 */
#include <linux/kernel.h>
#include <asm/kvm_host.h>
#include <asm/debugreg.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "vmx/vmx.h"
#include "core/observe.h"
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

	/* Outside 64-bit code RIP wraps at 32 bits. */
	if (!(vmcs_read32(GUEST_CS_AR_BYTES) & VMX_AR_L_MASK) || !mvmx_is_long_mode(vcpu))
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

void mvmx_queue_exception(struct minikvm_vcpu *vcpu, u8 vector, bool has_error, u32 error)
{
	vcpu->exception_pending = true;
	vcpu->exception_vector = vector;
	vcpu->exception_has_error = has_error;
	vcpu->exception_error = error;
}

/* #GP(0) for the instruction that exited; the guest resumes to take it. */
int mvmx_inject_gp(struct minikvm_vcpu *vcpu)
{
	mvmx_queue_exception(vcpu, GP_VECTOR, true, 0);
	return RESUME_GUEST;
}

static bool vmx_exception_is_soft(u8 vector)
{
	return vector == BP_VECTOR || vector == OF_VECTOR;
}

/**
 * mvmx_inject_pending() - program the next entry's event, if any
 * @vcpu: loaded vCPU, IRQs off
 *
 * An event already in VM_ENTRY_INTR_INFO_FIELD (re-injection after an exit
 * during delivery) goes first; a queued exception waits for the next
 * entry. Error codes are not delivered in real mode (SDM: "deliver error
 * code" must be 0 when CR0.PE = 0 with unrestricted guest).
 */
void mvmx_inject_pending(struct minikvm_vcpu *vcpu)
{
	u32 info;

	if (!vcpu->exception_pending || vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK)
		return;
	info = vcpu->exception_vector | INTR_INFO_VALID_MASK;
	if (vmx_exception_is_soft(vcpu->exception_vector)) {
		info |= INTR_TYPE_SOFT_EXCEPTION;
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, to_vmx(vcpu)->exit.instr_len);
	} else {
		info |= INTR_TYPE_HARD_EXCEPTION;
	}
	/*
	 * The CPU clears DR7.GD when it delivers a #DB, so that the handler
	 * may use the debug registers; an injected #DB does not do it
	 * (VM entry leaves DR7 as the VMCS has it), so minikvm does.
	 */
	if (vcpu->exception_vector == DB_VECTOR) {
		unsigned long dr7 = vmcs_readl(GUEST_DR7);

		if (dr7 & DR7_GD)
			mvmx_set_guest_dr7(vcpu, dr7 & ~DR7_GD);
	}
	if (vcpu->exception_has_error && (to_vmx(vcpu)->cr0 & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, vcpu->exception_error);
	}
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
	minikvm_note_inject(vcpu, info, false);
	vcpu->exception_pending = false;
}

/**
 * mvmx_reinject_vectoring() - redeliver an event a VM exit interrupted
 * @vcpu: loaded vCPU, right after the exit
 *
 * SDM Vol. 3C, "Information for VM Exits During Event Delivery": an exit
 * such as an EPT violation on the guest's IDT or stack while delivering
 * an event leaves the event undelivered; the VMM must inject it again.
 */
void mvmx_reinject_vectoring(struct minikvm_vcpu *vcpu)
{
	u32 idt = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	u32 type = idt & INTR_INFO_INTR_TYPE_MASK;

	if (!(idt & VECTORING_INFO_VALID_MASK))
		return;
	if (idt & VECTORING_INFO_DELIVER_CODE_MASK)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, vmcs_read32(IDT_VECTORING_ERROR_CODE));
	if (type == INTR_TYPE_SOFT_EXCEPTION || type == INTR_TYPE_SOFT_INTR ||
	    type == INTR_TYPE_PRIV_SW_EXCEPTION)
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, to_vmx(vcpu)->exit.instr_len);
	/* Bit 12 is "undefined" in the vectoring field and reserved on entry. */
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, idt & ~INTR_INFO_UNBLOCK_NMI);
	minikvm_note_inject(vcpu, idt, true);
}
