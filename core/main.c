// SPDX-License-Identifier: GPL-2.0
/*
 * minikvm: module entry, /dev/minikvm and its system ioctls.
 *
 * This is the vendor-neutral front door: it speaks the KVM ABI of
 * <linux/kvm.h> (plus minikvm's additions in uapi/minikvm.h) and hands the
 * hardware-specific work to vmx/. A KVM program opened on /dev/minikvm gets
 * the answers KVM would give for what minikvm supports, and KVM's own error
 * for what it does not.
 *
 * Environment: ioctls run in process context of the calling thread.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/kvm.h>

#include "core/minikvm.h"
#include "irq/chipset.h"
#include "uapi/minikvm.h"

static ushort dev_mode = 0600;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode,
		 "Permission bits of /dev/minikvm (default 0600, root only; e.g. 0660 with a udev GROUP rule)");

/**
 * minikvm_check_extension() - answer KVM_CHECK_EXTENSION honestly
 * @cap: a KVM_CAP_* number
 *
 * Only capabilities minikvm really implements are reported, so a KVM
 * program falls back exactly as it would on an older KVM.
 *
 * Return: 0 for anything not supported, else the capability's value.
 */
long minikvm_check_extension(long cap)
{
	switch (cap) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_VCPU_EVENTS:
	case KVM_CAP_INTERNAL_ERROR_DATA:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_ENABLE_CAP_VM:
	case KVM_CAP_SET_BOOT_CPU_ID:
	case KVM_CAP_BINARY_STATS_FD:
	case KVM_CAP_MSR_PLATFORM_INFO:
	case KVM_CAP_GET_MSR_FEATURES:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_USER_NMI:
	case KVM_CAP_IOEVENTFD:
	case KVM_CAP_IOEVENTFD_NO_LENGTH:
	case KVM_CAP_IOEVENTFD_ANY_LENGTH:
	case KVM_CAP_COALESCED_PIO:
	case KVM_CAP_X86_USER_SPACE_MSR:
	case KVM_CAP_X86_MSR_FILTER:
	case KVM_CAP_ENABLE_CAP:
	case KVM_CAP_ENFORCE_PV_FEATURE_CPUID:
	case KVM_CAP_PIT:
	case KVM_CAP_PIT2:
	case KVM_CAP_PIT_STATE2:
	case KVM_CAP_REINJECT_CONTROL:
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_IRQ_INJECT_STATUS:
	case KVM_CAP_IRQFD:
	case KVM_CAP_IRQFD_RESAMPLE:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_SPLIT_IRQCHIP:
	case KVM_CAP_TSC_DEADLINE_TIMER:
	case KVM_CAP_HLT:
		return 1;
	case KVM_CAP_COALESCED_MMIO:
		return KVM_COALESCED_MMIO_PAGE_OFFSET;
	case KVM_CAP_SYNC_REGS:
		return KVM_SYNC_X86_VALID_FIELDS;
	case KVM_CAP_MCE:
		return MINIKVM_MAX_MCE_BANKS;
	case KVM_CAP_XSAVE:
	case KVM_CAP_DEBUGREGS:
		return 1;
	case KVM_CAP_XSAVE2:
		/* No AMX: the whole state fits KVM_GET_XSAVE's 4 KiB. */
		return sizeof(struct kvm_xsave);
	case KVM_CAP_XCRS:
		return boot_cpu_has(X86_FEATURE_XSAVE);
	case KVM_CAP_DISABLE_QUIRKS2:
		return MINIKVM_QUIRKS;
	case KVM_CAP_ADJUST_CLOCK:
		/* KVM_SET_CLOCK takes what KVM_GET_CLOCK gives (core/kvmclock.c). */
		return MINIKVM_CLOCK_FLAGS;
	case KVM_CAP_IRQ_ROUTING:
		/* KVM's KVM_MAX_IRQ_ROUTES (irq/routing.c). */
		return MINIKVM_MAX_IRQ_ROUTES;
	case KVM_CAP_NR_VCPUS:
	case KVM_CAP_MAX_VCPUS:
	case KVM_CAP_MAX_VCPU_ID:
		return MINIKVM_MAX_VCPUS;
	case KVM_CAP_NR_MEMSLOTS:
		return MINIKVM_USER_MEM_SLOTS;
	default:
		return 0;
	}
}

static long minikvm_dev_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		/* KVM insists on a zero argument, and so do we. */
		if (arg)
			return -EINVAL;
		return KVM_API_VERSION;
	case KVM_CHECK_EXTENSION:
		return minikvm_check_extension((long)arg);
	case KVM_CREATE_VM:
		return minikvm_create_vm(arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		if (arg)
			return -EINVAL;
		/* kvm_run, the PIO data page, the VM's coalesced MMIO ring. */
		return 3 * PAGE_SIZE;
	case KVM_GET_SUPPORTED_CPUID:
		return minikvm_get_supported_cpuid((void __user *)arg);
	case KVM_X86_GET_MCE_CAP_SUPPORTED:
		return minikvm_get_mce_cap_supported((u64 __user *)arg);
	case KVM_GET_MSR_INDEX_LIST:
		return minikvm_get_msr_index_list((void __user *)arg);
	case KVM_GET_MSR_FEATURE_INDEX_LIST:
		return minikvm_get_msr_feature_index_list((void __user *)arg);
	case KVM_GET_MSRS:
		return minikvm_get_msr_features((void __user *)arg);
	case MINIKVM_GET_VMX_INFO:
		return mvmx_get_info((void __user *)arg);
	default:
		/* What kvm_dev_ioctl() answers for an ioctl it does not know. */
		return -EINVAL;
	}
}

static const struct file_operations minikvm_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= minikvm_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice minikvm_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "minikvm",
	.fops	= &minikvm_dev_fops,
};

static int __init minikvm_init(void)
{
	int ret;

	ret = mvmx_probe();
	if (ret)
		return ret;
	ret = mvmx_setup_config();
	if (ret)
		return ret;

	if (dev_mode & ~0666) {
		pr_err("dev_mode %#o has bits beyond 0666\n", dev_mode);
		return -EINVAL;
	}
	minikvm_dev.mode = dev_mode;
	ret = mvmx_hardware_setup();
	if (ret)
		return ret;
	ret = minikvm_irqfd_init();
	if (ret) {
		mvmx_hardware_unsetup();
		return ret;
	}
	minikvm_debugfs_init();
	ret = misc_register(&minikvm_dev);
	if (ret) {
		minikvm_debugfs_exit();
		minikvm_irqfd_exit();
		pr_err("cannot register /dev/minikvm: %d\n", ret);
		mvmx_hardware_unsetup();
		return ret;
	}
	pr_info("ready: /dev/minikvm (mode %#o)\n", dev_mode);
	return 0;
}

static void __exit minikvm_exit(void)
{
	misc_deregister(&minikvm_dev);
	minikvm_debugfs_exit();
	minikvm_irqfd_exit();
	mvmx_hardware_unsetup();
}

module_init(minikvm_init);
module_exit(minikvm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("minikvm: a small Intel VT-x hypervisor behind the KVM ABI");
MODULE_AUTHOR("minikvm developers");
