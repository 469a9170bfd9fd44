// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's extended state for save and restore: KVM_GET_XSAVE,
 * KVM_SET_XSAVE, KVM_GET_XSAVE2 (the XSAVE layout of the SDM, Vol. 1,
 * "XSAVE-Supported Features and State-Component Bitmaps", in a 4 KiB
 * struct kvm_xsave; the legacy FXSAVE area alone on a host without
 * XSAVE), and KVM_GET_XCRS, KVM_SET_XCRS (XCR0). The conversion between
 * the kernel's fpstate and that layout is the kernel's own, the helpers
 * it exports for KVM.
 *
 * Environment: vCPU ioctls (vcpu->mutex held); outside KVM_RUN the
 * guest's FPU state is in memory, not in the CPU (core/vcpu.c swaps it
 * only around the run loop).
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>

#include "core/minikvm.h"

#define XCR0_AVX512	(XFEATURE_MASK_OPMASK | XFEATURE_MASK_ZMM_Hi256 | XFEATURE_MASK_Hi16_ZMM)
/* The state components a minikvm guest may enable (no PKRU, no AMX). */
#define XCR0_GUEST	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM | XCR0_AVX512)

/* What XCR0 may hold on this host: nothing without XSAVE. */
u64 minikvm_supported_xcr0(void)
{
	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return 0;
	return XCR0_GUEST & xgetbv(XCR_XFEATURE_ENABLED_MASK);
}

/**
 * minikvm_xcr0_valid() - may XCR0 take @xcr0?
 * @xcr0: the value, from XSETBV or KVM_SET_XCRS
 *
 * SDM Vol. 1, "Enabling the XSAVE Feature Set and XSAVE-Enabled Features":
 * bit 0 (x87) must be 1; AVX (bit 2) needs SSE (bit 1); AVX-512 state
 * (bits 7:5) goes all together and needs AVX; nothing this host cannot
 * give a guest.
 */
bool minikvm_xcr0_valid(u64 xcr0)
{
	if (xcr0 & ~minikvm_supported_xcr0())
		return false;
	if (!(xcr0 & XFEATURE_MASK_FP))
		return false;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return false;
	if ((xcr0 & XCR0_AVX512) && (xcr0 & XCR0_AVX512) != XCR0_AVX512)
		return false;
	return !((xcr0 & XCR0_AVX512) && !(xcr0 & XFEATURE_MASK_YMM));
}

static long vcpu_get_xsave(struct minikvm_vcpu *vcpu, void __user *u)
{
	struct kvm_xsave *x = kzalloc(sizeof(*x), GFP_KERNEL_ACCOUNT);
	long ret = 0;

	if (!x)
		return -ENOMEM;
	/* No PKRU for minikvm guests (Documentation/ioctl.rst): 0. */
	fpu_copy_guest_fpstate_to_uabi(&vcpu->guest_fpu, x->region, sizeof(x->region),
				       minikvm_supported_xcr0(), 0);
	if (copy_to_user(u, x, sizeof(*x)))
		ret = -EFAULT;
	kfree(x);
	return ret;
}

/*
 * A header that names a component XCR0 may not hold, or reserved MXCSR
 * bits: -EINVAL, the fpstate untouched (the kernel's helper checks before
 * it copies).
 */
static long vcpu_set_xsave(struct minikvm_vcpu *vcpu, void __user *u)
{
	struct kvm_xsave *x = memdup_user(u, sizeof(*x));
	u32 pkru = 0;
	long ret;

	if (IS_ERR(x))
		return PTR_ERR(x);
	ret = fpu_copy_uabi_to_guest_fpstate(&vcpu->guest_fpu, x->region,
					     minikvm_supported_xcr0(), &pkru);
	kfree(x);
	return ret;
}

static long vcpu_get_xcrs(struct minikvm_vcpu *vcpu, void __user *u)
{
	struct kvm_xcrs xcrs = { };

	/* As KVM: no XCR at all on a host without XSAVE. */
	if (boot_cpu_has(X86_FEATURE_XSAVE)) {
		xcrs.nr_xcrs = 1;
		xcrs.xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
		xcrs.xcrs[0].value = vcpu->xcr0;
	}
	return copy_to_user(u, &xcrs, sizeof(xcrs)) ? -EFAULT : 0;
}

/* As KVM: the first XCR0 entry counts, entries for other XCRs are ignored. */
static long vcpu_set_xcrs(struct minikvm_vcpu *vcpu, void __user *u)
{
	struct kvm_xcrs xcrs;
	unsigned int i;

	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return -EINVAL;
	if (copy_from_user(&xcrs, u, sizeof(xcrs)))
		return -EFAULT;
	if (xcrs.nr_xcrs > KVM_MAX_XCRS || xcrs.flags)
		return -EINVAL;
	for (i = 0; i < xcrs.nr_xcrs; i++) {
		if (xcrs.xcrs[i].xcr != XCR_XFEATURE_ENABLED_MASK)
			continue;
		if (!minikvm_xcr0_valid(xcrs.xcrs[i].value))
			return -EINVAL;
		vcpu->xcr0 = xcrs.xcrs[i].value;
		break;
	}
	return 0;
}

/**
 * minikvm_xsave_ioctl() - the extended-state ioctls
 * @vcpu: the vCPU
 * @ioctl: the ioctl number
 * @argp: its userspace argument
 *
 * Return: the ioctl's result, or -ENOIOCTLCMD for another ioctl.
 */
long minikvm_xsave_ioctl(struct minikvm_vcpu *vcpu, unsigned int ioctl, void __user *argp)
{
	switch (ioctl) {
	case KVM_GET_XSAVE:
	case KVM_GET_XSAVE2:	/* KVM_CAP_XSAVE2 is sizeof(struct kvm_xsave) */
		return vcpu_get_xsave(vcpu, argp);
	case KVM_SET_XSAVE:
		return vcpu_set_xsave(vcpu, argp);
	case KVM_GET_XCRS:
		return vcpu_get_xcrs(vcpu, argp);
	case KVM_SET_XCRS:
		return vcpu_set_xcrs(vcpu, argp);
	}
	return -ENOIOCTLCMD;
}
