// SPDX-License-Identifier: GPL-2.0
/*
 * XSETBV: the guest's XCR0, checked as the CPU would and loaded around
 * each entry by mvmx_vcpu_run() (VMX does not switch XCR0).
 *
 * SDM Vol. 1, "Enabling the XSAVE Feature Set and XSAVE-Enabled Features":
 * bit 0 (x87) must be 1; AVX (bit 2) needs SSE (bit 1); AVX-512 state
 * (bits 7:5) goes all together and needs AVX. CR4.OSXSAVE=0 makes XSETBV
 * #UD before any VM exit, and the guest gets CR4.OSXSAVE only when
 * mvmx_guest_has_xsave() (cr.c). That is checked again here because the
 * host's XGETBV below is itself #UD on a host without XSAVE (a kernel
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

#define XCR0_AVX512	(XFEATURE_MASK_OPMASK | XFEATURE_MASK_ZMM_Hi256 | XFEATURE_MASK_Hi16_ZMM)
#define XCR0_GUEST	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM | XCR0_AVX512)

int mvmx_handle_xsetbv(struct minikvm_vcpu *vcpu)
{
	unsigned long *regs = to_vmx(vcpu)->regs;
	u64 xcr0 = (u32)regs[__VCPU_REGS_RAX] | (u64)regs[__VCPU_REGS_RDX] << 32;
	u64 allowed;

	if (!mvmx_guest_has_xsave(vcpu) || !(to_vmx(vcpu)->cr4 & X86_CR4_OSXSAVE)) {
		mvmx_queue_exception(vcpu, UD_VECTOR, false, 0);
		return RESUME_GUEST;
	}
	allowed = XCR0_GUEST & xgetbv(XCR_XFEATURE_ENABLED_MASK);
	if (minikvm_get_cpl(vcpu) || (u32)regs[__VCPU_REGS_RCX] != 0 || (xcr0 & ~allowed) ||
	    !(xcr0 & XFEATURE_MASK_FP) ||
	    ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE)) ||
	    ((xcr0 & XCR0_AVX512) && (xcr0 & XCR0_AVX512) != XCR0_AVX512) ||
	    ((xcr0 & XCR0_AVX512) && !(xcr0 & XFEATURE_MASK_YMM)))
		return mvmx_inject_gp(vcpu);
	vcpu->xcr0 = xcr0;
	mvmx_skip_instruction(vcpu);
	return RESUME_GUEST;
}
