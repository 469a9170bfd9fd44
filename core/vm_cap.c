// SPDX-License-Identifier: GPL-2.0
/*
 * VM settings a VMM makes before it creates vCPUs: KVM_ENABLE_CAP on the
 * VM fd, dispatched through vm_caps[], and KVM_SET_BOOT_CPU_ID.
 *
 * Each setter checks everything before it stores anything, so a rejected
 * call leaves the VM as it was. The errors are KVM 6.1's
 * (kvm_vm_ioctl_enable_cap() in arch/x86/kvm/x86.c): -EINVAL for non-zero
 * flags, an unknown capability or a bad argument.
 *
 * Environment: process context of the VM's creator; takes vm->lock.
 */
#include <linux/kernel.h>
#include <linux/uaccess.h>

#include "core/minikvm.h"

/*
 * KVM_CAP_MAX_VCPU_ID: vCPU ids become 0 to args[0] - 1. Set once: setting
 * the value already in force succeeds, any other fails. Unlike KVM 6.1,
 * which lets it change after vCPUs exist, minikvm also refuses a change
 * once a vCPU is created (Documentation/ioctl.rst).
 */
static int vm_cap_max_vcpu_id(struct minikvm_vm *vm, const struct kvm_enable_cap *cap)
{
	int ret = -EINVAL;

	if (cap->args[0] > MINIKVM_MAX_VCPUS)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (vm->max_vcpu_ids == cap->args[0]) {
		ret = 0;
	} else if (!vm->max_vcpu_ids && !vm->created_vcpus) {
		vm->max_vcpu_ids = cap->args[0];
		ret = 0;
	}
	mutex_unlock(&vm->lock);
	return ret;
}

/*
 * KVM_CAP_MSR_PLATFORM_INFO: args[0] zero makes the guest's RDMSR of
 * MSR_PLATFORM_INFO #GP, non-zero allows it again (the default); at any
 * time, as KVM.
 */
static int vm_cap_msr_platform_info(struct minikvm_vm *vm, const struct kvm_enable_cap *cap)
{
	WRITE_ONCE(vm->guest_reads_platform_info, !!cap->args[0]);
	return 0;
}

/*
 * KVM_CAP_DISABLE_QUIRKS2: args[0] is the set of quirks off from now on
 * (a quirk left out is on again), only those of MINIKVM_QUIRKS, as KVM
 * refuses what it does not report.
 */
static int vm_cap_disable_quirks2(struct minikvm_vm *vm, const struct kvm_enable_cap *cap)
{
	if (cap->args[0] & ~MINIKVM_QUIRKS)
		return -EINVAL;
	WRITE_ONCE(vm->disabled_quirks, cap->args[0]);
	return 0;
}

/*
 * KVM_CAP_X86_USER_SPACE_MSR: args[0] names the KVM_MSR_EXIT_REASON_*
 * failures of guest RDMSR/WRMSR that exit to userspace instead of raising
 * #GP (core/msr_filter.c); 0 turns them off. At any time, as KVM.
 */
static int vm_cap_user_space_msr(struct minikvm_vm *vm, const struct kvm_enable_cap *cap)
{
	if (cap->args[0] & ~(u64)(KVM_MSR_EXIT_REASON_INVAL | KVM_MSR_EXIT_REASON_UNKNOWN |
				  KVM_MSR_EXIT_REASON_FILTER))
		return -EINVAL;
	WRITE_ONCE(vm->user_space_msr_mask, cap->args[0]);
	return 0;
}

/*
 * KVM_CAP_SPLIT_IRQCHIP: the LAPICs in the kernel, the IOAPIC and PIC in
 * the VMM; args[0] is how many IOAPIC pins the VMM routes (KVM keeps
 * that many GSI routes for them). Only before the first vCPU and when
 * no irqchip exists: -EEXIST otherwise, as KVM 6.1.
 */
static int vm_cap_split_irqchip(struct minikvm_vm *vm, const struct kvm_enable_cap *cap)
{
	int ret = -EEXIST;

	if (cap->args[0] > MINIKVM_MAX_IRQ_ROUTES)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (vm->irqchip_mode == MINIKVM_IRQCHIP_NONE && !vm->created_vcpus) {
		vm->nr_reserved_ioapic_pins = cap->args[0];
		WRITE_ONCE(vm->irqchip_mode, MINIKVM_IRQCHIP_SPLIT);
		ret = 0;
	}
	mutex_unlock(&vm->lock);
	return ret;
}

struct vm_cap {
	u32 cap;
	int (*enable)(struct minikvm_vm *vm, const struct kvm_enable_cap *cap);
};

/* What KVM_ENABLE_CAP accepts on a VM fd (KVM_CAP_ENABLE_CAP_VM). */
static const struct vm_cap vm_caps[] = {
	{ KVM_CAP_MAX_VCPU_ID, vm_cap_max_vcpu_id },
	{ KVM_CAP_MSR_PLATFORM_INFO, vm_cap_msr_platform_info },
	{ KVM_CAP_X86_USER_SPACE_MSR, vm_cap_user_space_msr },
	{ KVM_CAP_DISABLE_QUIRKS2, vm_cap_disable_quirks2 },
	{ KVM_CAP_SPLIT_IRQCHIP, vm_cap_split_irqchip },
};

/**
 * minikvm_vm_enable_cap() - KVM_ENABLE_CAP on the VM fd
 * @vm: the VM
 * @ucap: userspace's struct kvm_enable_cap
 *
 * Return: 0, -EFAULT, or -EINVAL for flags, an unknown capability or an
 * argument the capability refuses.
 */
int minikvm_vm_enable_cap(struct minikvm_vm *vm, struct kvm_enable_cap __user *ucap)
{
	struct kvm_enable_cap cap;
	unsigned int i;

	if (copy_from_user(&cap, ucap, sizeof(cap)))
		return -EFAULT;
	if (cap.flags)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(vm_caps); i++)
		if (vm_caps[i].cap == cap.cap)
			return vm_caps[i].enable(vm, &cap);
	return -EINVAL;
}

/**
 * minikvm_set_boot_cpu_id() - KVM_SET_BOOT_CPU_ID
 * @vm: the VM
 * @id: the vCPU id that boots (the BSP); 0 until set
 *
 * As in KVM 6.1 the id itself is not checked: a VM whose BSP id names no
 * vCPU simply has none. The BSP flag of each new vCPU's IA32_APIC_BASE
 * follows it (mvmx_vcpu_reset()), and with an in-kernel LAPIC every other
 * vCPU starts waiting for INIT/SIPI (irq/lapic.c).
 *
 * Return: 0, or -EBUSY once a vCPU is created.
 */
int minikvm_set_boot_cpu_id(struct minikvm_vm *vm, unsigned long id)
{
	int ret = 0;

	mutex_lock(&vm->lock);
	if (vm->created_vcpus)
		ret = -EBUSY;
	else
		vm->bsp_vcpu_id = id;
	mutex_unlock(&vm->lock);
	return ret;
}
