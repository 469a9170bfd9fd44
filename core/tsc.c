// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's time-stamp counter: the host TSC plus vcpu->tsc_offset (no
 * scaling: the guest's TSC runs at the host's rate), and the MSRs and
 * attribute that move it, with KVM's semantics:
 *
 *   IA32_TSC         the guest's write moves the offset and, by the same
 *                    amount, IA32_TSC_ADJUST (SDM Vol. 3B, "Time-Stamp
 *                    Counter Adjustment"); the VMM's write (a restore)
 *                    moves only the offset
 *   IA32_TSC_ADJUST  the guest's write moves the offset by the change;
 *                    the VMM's write only sets the MSR
 *   KVM_VCPU_TSC_OFFSET (KVM_{HAS,GET,SET}_DEVICE_ATTR, group
 *                    KVM_VCPU_TSC_CTRL) the offset itself, for migration
 *
 * Every move of the offset rewrites the kvmclock page before the next
 * entry (core/kvmclock.c): its TSC half must follow.
 *
 * Environment: the vCPU's thread, vCPU loaded.
 */
#include <linux/uaccess.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>

#include "core/minikvm.h"
#include "core/request.h"

static void tsc_set_offset(struct minikvm_vcpu *vcpu, u64 offset)
{
	vcpu->tsc_offset = offset;
	minikvm_write_tsc_offset(vcpu, offset);
	minikvm_make_request(MINIKVM_REQ_CLOCK_UPDATE, vcpu);
}

/* IA32_TSC_ADJUST exists for the guest when its CPUID says so (KVM offers it always). */
static bool tsc_adjust_allowed(struct minikvm_vcpu *vcpu, bool host)
{
	return host || minikvm_cpuid_has(vcpu, 7, CPUID_EBX, X86_FEATURE_TSC_ADJUST);
}

/* Return: 0, 1 to refuse (#GP for the guest), -ENOENT for another MSR. */
int minikvm_tsc_get_msr(struct minikvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	switch (index) {
	case MSR_IA32_TSC:
		*data = minikvm_guest_tsc(vcpu);
		return 0;
	case MSR_IA32_TSC_ADJUST:
		if (!tsc_adjust_allowed(vcpu, host))
			return 1;
		*data = vcpu->msr_tsc_adjust;
		return 0;
	}
	return -ENOENT;
}

/* Return: 0, 1 to refuse (#GP for the guest), -ENOENT for another MSR. */
int minikvm_tsc_set_msr(struct minikvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	u64 host_tsc;

	switch (index) {
	case MSR_IA32_TSC:
		host_tsc = rdtsc();
		if (!host)
			vcpu->msr_tsc_adjust += data - (host_tsc + vcpu->tsc_offset);
		tsc_set_offset(vcpu, data - host_tsc);
		return 0;
	case MSR_IA32_TSC_ADJUST:
		if (!tsc_adjust_allowed(vcpu, host))
			return 1;
		if (!host)
			tsc_set_offset(vcpu, vcpu->tsc_offset + (data - vcpu->msr_tsc_adjust));
		vcpu->msr_tsc_adjust = data;
		return 0;
	}
	return -ENOENT;
}

/**
 * minikvm_vcpu_attr_ioctl() - KVM_HAS/GET/SET_DEVICE_ATTR on a vCPU fd
 * @vcpu: the vCPU
 * @ioctl: the ioctl number
 * @argp: its struct kvm_device_attr
 *
 * Only KVM_VCPU_TSC_CTRL/KVM_VCPU_TSC_OFFSET exists, a u64 at attr.addr.
 *
 * Return: 0, -EFAULT, -ENXIO for another group or attribute (as KVM),
 * or -ENOIOCTLCMD for another ioctl.
 */
long minikvm_vcpu_attr_ioctl(struct minikvm_vcpu *vcpu, unsigned int ioctl, void __user *argp)
{
	struct kvm_device_attr attr;
	u64 __user *uaddr;
	u64 offset;

	if (ioctl != KVM_HAS_DEVICE_ATTR && ioctl != KVM_GET_DEVICE_ATTR &&
	    ioctl != KVM_SET_DEVICE_ATTR)
		return -ENOIOCTLCMD;
	if (copy_from_user(&attr, argp, sizeof(attr)))
		return -EFAULT;
	if (attr.group != KVM_VCPU_TSC_CTRL || attr.attr != KVM_VCPU_TSC_OFFSET)
		return -ENXIO;
	uaddr = u64_to_user_ptr(attr.addr);
	switch (ioctl) {
	case KVM_GET_DEVICE_ATTR:
		return put_user(vcpu->tsc_offset, uaddr) ? -EFAULT : 0;
	case KVM_SET_DEVICE_ATTR:
		if (get_user(offset, uaddr))
			return -EFAULT;
		tsc_set_offset(vcpu, offset);
		return 0;
	}
	return 0;
}
