// SPDX-License-Identifier: GPL-2.0
/*
 * HLT. With the LAPIC in the kernel the vCPU halts there: it is HALTED
 * and the run loop blocks it until an event wakes it (irq/posted.c).
 * Without an in-kernel irqchip nothing in the kernel can wake the vCPU,
 * so the halt goes to userspace (KVM_EXIT_HLT), as with KVM. Either way
 * RIP already points past the HLT.
 */
#include "core/minikvm.h"
#include "irq/apic.h"
#include "vmx/vmx.h"
#include "vmx/exit.h"

int mvmx_handle_hlt(struct minikvm_vcpu *vcpu)
{
	mvmx_skip_instruction(vcpu);
	if (vcpu->apic)
		return minikvm_lapic_halt(vcpu);
	vcpu->run->exit_reason = KVM_EXIT_HLT;
	return EXIT_TO_USER;
}
