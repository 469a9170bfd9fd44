// SPDX-License-Identifier: GPL-2.0
/*
 * HLT. Without an in-kernel irqchip nothing in the kernel can wake the
 * vCPU, so the halt goes to userspace (KVM_EXIT_HLT), as with KVM. RIP
 * already points past the HLT when userspace sees the exit.
 */
#include "core/minikvm.h"
#include "vmx/vmx.h"
#include "vmx/exit.h"

int mvmx_handle_hlt(struct minikvm_vcpu *vcpu)
{
	mvmx_skip_instruction(vcpu);
	vcpu->run->exit_reason = KVM_EXIT_HLT;
	return EXIT_TO_USER;
}
