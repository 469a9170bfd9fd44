// SPDX-License-Identifier: GPL-2.0
/*
 * Exits caused by events: exceptions and NMIs (reason 0), external
 * interrupts, and a triple fault.
 *
 * NMIs and external interrupts have already been handed to the host by
 * the time these run (vmx_vcpu_run(): NMIs through vmx_do_nmi_irqoff(),
 * interrupts when IRQs are enabled again), so the handlers only resume.
 */
#include <linux/kernel.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "vmx/vmx.h"
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"

/**
 * handle_exception_nmi() - an NMI, or an exception in the exception bitmap
 * @vcpu: the vCPU
 *
 * The bitmap is empty, so only NMIs arrive here in normal operation.
 * Return: RESUME_GUEST, or an internal error for an exception nobody
 * asked to intercept.
 */
int handle_exception_nmi(struct minikvm_vcpu *vcpu)
{
	u32 info = vmcs_read32(VM_EXIT_INTR_INFO);

	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		return RESUME_GUEST;
	return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
}

int handle_external_interrupt(struct minikvm_vcpu *vcpu)
{
	return RESUME_GUEST;
}

/* SDM Vol. 3C, "Triple Fault": the guest would reset; userspace decides. */
int handle_triple_fault(struct minikvm_vcpu *vcpu)
{
	vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
	return EXIT_TO_USER;
}
