// SPDX-License-Identifier: GPL-2.0
/*
 * Window exits: the guest can now take the interrupt or NMI that waits
 * (armed by minikvm_enable_window(), vmx/event_inject.c). The handler
 * disarms the exit and makes an event request, so that the next entry
 * injects what waited; if userspace asked for the interrupt window,
 * mvmx_vcpu_run() then returns KVM_EXIT_IRQ_WINDOW_OPEN
 * (minikvm_irq_window_exit()). SDM Vol. 3C, "Interrupt-Window Exiting
 * and Virtual-Interrupt Delivery" and "NMI-Window Exiting".
 */
#include <linux/kernel.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "vmx/vmx.h"
#include "core/observe.h"
#include "core/request.h"
#include "vmx/exit.h"

int mvmx_handle_interrupt_window(struct minikvm_vcpu *vcpu)
{
	mvmx_clear_proc_bits(to_vmx(vcpu), CPU_BASED_INTR_WINDOW_EXITING);
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
	minikvm_note_window(vcpu, MINIKVM_WINDOW_IRQ, true);
	return RESUME_GUEST;
}

int mvmx_handle_nmi_window(struct minikvm_vcpu *vcpu)
{
	mvmx_clear_proc_bits(to_vmx(vcpu), CPU_BASED_NMI_WINDOW_EXITING);
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
	minikvm_note_window(vcpu, MINIKVM_WINDOW_NMI, true);
	return RESUME_GUEST;
}
