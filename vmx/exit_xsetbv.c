// SPDX-License-Identifier: GPL-2.0
/*
 * XSETBV: the guest's XCR0, checked as the CPU would and loaded around
 * each entry by mvmx_vcpu_run() (VMX does not switch XCR0).
 *
 * The value must satisfy minikvm_xcr0_valid() (core/vcpu_xsave.c: the
 * SDM's rules, shared with KVM_SET_XCRS). CR4.OSXSAVE=0 makes XSETBV
 * #UD before any VM exit, and the guest gets CR4.OSXSAVE only when
 * mvmx_guest_has_xsave() (cr.c). That is checked again here because the
 * host's XGETBV behind minikvm_xcr0_valid() is itself #UD on a host without XSAVE (a kernel
 * that turned it off at boot): an exit that still arrives, e.g. after
 * KVM_SET_CPUID2 took XSAVE away, gets the #UD the guest's CPUID implies.
 */
#include <linux/types.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "vmx/vmx.h"
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"

int mvmx_handle_xsetbv(struct minikvm_vcpu *vcpu)
{
	unsigned long *regs = to_vmx(vcpu)->regs;
	u64 xcr0 = (u32)regs[__VCPU_REGS_RAX] | (u64)regs[__VCPU_REGS_RDX] << 32;

	if (!mvmx_guest_has_xsave(vcpu) || !(to_vmx(vcpu)->cr4 & X86_CR4_OSXSAVE)) {
		mvmx_queue_exception(vcpu, UD_VECTOR, false, 0);
		return RESUME_GUEST;
	}
	if (minikvm_get_cpl(vcpu) || (u32)regs[__VCPU_REGS_RCX] != 0 || !minikvm_xcr0_valid(xcr0))
		return mvmx_inject_gp(vcpu);
	vcpu->xcr0 = xcr0;
	mvmx_skip_instruction(vcpu);
	return RESUME_GUEST;
}
