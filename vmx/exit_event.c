// SPDX-License-Identifier: GPL-2.0
/*
 * Exits caused by events: exceptions and NMIs (reason 0), external
 * interrupts, and a triple fault.
 *
 * NMIs, machine checks and external interrupts have already been handed
 * to the host by the time these run (mvmx_vcpu_run(): NMIs and
 * interrupts through mvmx_do_interrupt_irqoff(), machine checks through
 * vmx_machine_check()), so for them the handlers only resume.
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
 * An intercepted exception raised while the CPU was delivering another
 * event (IDT-vectoring information valid): #AC while pushing an #AC frame
 * on a misaligned CPL3 stack (CVE-2015-5307) is the storm this ends. It
 * goes to userspace as KVM_INTERNAL_ERROR_SIMUL_EX with KVM's four data
 * words (its handle_exception_nmi()): the IDT-vectoring information, the
 * exit interruption information, its error code and the CPU of the last
 * entry. The interrupted event stays queued for re-injection
 * (mvmx_handle_exit()), as in KVM, should userspace run the vCPU again.
 */
static int simultaneous_exceptions(struct minikvm_vcpu *vcpu, u32 info)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_SIMUL_EX;
	run->internal.ndata = 4;
	run->internal.data[0] = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	run->internal.data[1] = info;
	run->internal.data[2] = (info & INTR_INFO_DELIVER_CODE_MASK) ?
				vmcs_read32(VM_EXIT_INTR_ERROR_CODE) : 0;
	run->internal.data[3] = to_vmx(vcpu)->cpu;
	return EXIT_TO_USER;
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
	mvmx_queue_exception(vcpu, DB_VECTOR, false, 0);
	return RESUME_GUEST;
}

/* A #AC in the guest: straight back to it, through an exit each time. */
static int handle_guest_ac(struct minikvm_vcpu *vcpu)
{
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
 * Return: RESUME_GUEST, or an internal error for an exception raised
 * during event delivery or one nobody asked to intercept.
 */
int mvmx_handle_exception_nmi(struct minikvm_vcpu *vcpu)
{
	u32 info = vmcs_read32(VM_EXIT_INTR_INFO);

	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		return RESUME_GUEST;
	if ((info & INTR_INFO_VECTOR_MASK) != MC_VECTOR &&
	    minikvm_exit_during_event_delivery(vcpu))
		return simultaneous_exceptions(vcpu, info);
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
