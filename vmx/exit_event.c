// SPDX-License-Identifier: GPL-2.0
/*
 * Exits caused by events: exceptions and NMIs (reason 0), external
 * interrupts, and a triple fault.
 *
 * NMIs, machine checks and external interrupts have already been handed
 * to the host by the time these run (mvmx_vcpu_run(): NMIs through
 * mvmx_do_nmi_irqoff(), machine checks through vmx_machine_check(),
 * interrupts when IRQs are enabled again), so for them the handlers only
 * resume.
 */
#include <linux/kernel.h>
#include <asm/kvm_host.h>
#include <asm/debugreg.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "vmx/vmx.h"
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"

/*
 * An exception raised while the CPU was delivering another one (IDT
 * vectoring information valid) was queued for re-injection by
 * mvmx_handle_exit(). #DB and #AC are benign: the two are handled one
 * after the other, so the new one replaces the old, which comes back when
 * the instruction runs again (SDM Vol. 3A, "Conditions for Generating a
 * Double Fault"; KVM does the same).
 */
static void drop_reinjected_exception(struct minikvm_vcpu *vcpu)
{
	vcpu->exception_injected = false;
}

/*
 * A #DB in the guest. An intercepted #DB leaves DR6 alone; the exit
 * qualification holds what DR6 would have got (SDM Vol. 3C, "Exit
 * Qualification for Debug Exceptions": B0-B3, BD, BS), so the guest's
 * DR6 is updated from it, then the #DB goes to the guest. INT1 (ICEBP)
 * is a trap-like instruction: RIP moves past it first.
 */
static int handle_guest_db(struct minikvm_vcpu *vcpu, u32 info)
{
	unsigned long q = to_vmx(vcpu)->exit.qualification;

	vcpu->dr6 = (vcpu->dr6 & ~DR_TRAP_BITS) | (q & (DR_TRAP_BITS | DR6_BD | DR6_BS));
	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_PRIV_SW_EXCEPTION)
		mvmx_skip_instruction_notrap(vcpu);
	drop_reinjected_exception(vcpu);
	mvmx_queue_exception(vcpu, DB_VECTOR, false, 0);
	return RESUME_GUEST;
}

/* A #AC in the guest: straight back to it, through an exit each time. */
static int handle_guest_ac(struct minikvm_vcpu *vcpu)
{
	drop_reinjected_exception(vcpu);
	mvmx_queue_exception(vcpu, AC_VECTOR, true, vmcs_read32(VM_EXIT_INTR_ERROR_CODE));
	return RESUME_GUEST;
}

/**
 * mvmx_handle_exception_nmi() - an NMI, or an exception in the exception bitmap
 * @vcpu: the vCPU
 *
 * The bitmap (vmx/vmcs_config.c) holds #DB, #AC and #MC. NMIs and machine
 * checks were handed to the host's own handlers in mvmx_vcpu_run(), with
 * IRQs still off; the guest does not see a host machine check, as in KVM.
 *
 * Return: RESUME_GUEST, or an internal error for an exception nobody
 * asked to intercept.
 */
int mvmx_handle_exception_nmi(struct minikvm_vcpu *vcpu)
{
	u32 info = vmcs_read32(VM_EXIT_INTR_INFO);

	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		return RESUME_GUEST;
	switch (info & INTR_INFO_VECTOR_MASK) {
	case DB_VECTOR:
		return handle_guest_db(vcpu, info);
	case AC_VECTOR:
		return handle_guest_ac(vcpu);
	case MC_VECTOR:
		return RESUME_GUEST;
	}
	return mvmx_internal_error(vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
}

int mvmx_handle_external_interrupt(struct minikvm_vcpu *vcpu)
{
	return RESUME_GUEST;
}

/* SDM Vol. 3C, "Triple Fault": the guest would reset; userspace decides. */
int mvmx_handle_triple_fault(struct minikvm_vcpu *vcpu)
{
	vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
	return EXIT_TO_USER;
}
