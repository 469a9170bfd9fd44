// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_ENABLE_CAP on a vCPU fd (KVM_CAP_ENABLE_CAP), through the table
 * vcpu_caps[]. Today one capability: KVM_CAP_ENFORCE_PV_FEATURE_CPUID,
 * after which a paravirtual MSR the vCPU's CPUID leaf KVM_CPUID_FEATURES
 * does not offer is refused, as KVM's guest_pv_has().
 *
 * Environment: the vCPU ioctl path (vcpu->mutex held).
 */
#include <linux/uaccess.h>
#include <asm/kvm_para.h>

#include "core/minikvm.h"

static int vcpu_cap_enforce_pv_cpuid(struct minikvm_vcpu *vcpu, const struct kvm_enable_cap *cap)
{
	vcpu->pv_cpuid_enforced = !!cap->args[0];
	return 0;
}

struct vcpu_cap {
	u32 cap;
	int (*enable)(struct minikvm_vcpu *vcpu, const struct kvm_enable_cap *cap);
};

static const struct vcpu_cap vcpu_caps[] = {
	{ KVM_CAP_ENFORCE_PV_FEATURE_CPUID, vcpu_cap_enforce_pv_cpuid },
};

/**
 * minikvm_vcpu_enable_cap() - KVM_ENABLE_CAP on the vCPU fd
 * @vcpu: the vCPU
 * @ucap: userspace's struct kvm_enable_cap
 *
 * Return: 0, -EFAULT, or -EINVAL for flags or a capability not in the
 * table, as KVM.
 */
int minikvm_vcpu_enable_cap(struct minikvm_vcpu *vcpu, struct kvm_enable_cap __user *ucap)
{
	struct kvm_enable_cap cap;
	unsigned int i;

	if (copy_from_user(&cap, ucap, sizeof(cap)))
		return -EFAULT;
	if (cap.flags)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(vcpu_caps); i++)
		if (vcpu_caps[i].cap == cap.cap)
			return vcpu_caps[i].enable(vcpu, &cap);
	return -EINVAL;
}

/**
 * minikvm_guest_pv_has() - may the vCPU use paravirtual feature @bit?
 * @vcpu: the vCPU
 * @bit: a KVM_FEATURE_* bit of leaf KVM_CPUID_FEATURES, EAX
 *
 * Always, until KVM_CAP_ENFORCE_PV_FEATURE_CPUID; then only what the
 * vCPU's CPUID offers.
 */
bool minikvm_guest_pv_has(struct minikvm_vcpu *vcpu, unsigned int bit)
{
	const struct kvm_cpuid_entry2 *e;

	if (!vcpu->pv_cpuid_enforced)
		return true;
	e = minikvm_find_cpuid(vcpu, KVM_CPUID_FEATURES, 0);
	return e && e->function == KVM_CPUID_FEATURES && (e->eax & BIT(bit));
}
