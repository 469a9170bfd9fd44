// SPDX-License-Identifier: GPL-2.0
/*
 * The VM file descriptor: KVM_CREATE_VM and the VM ioctls.
 *
 * A VM takes VMX operation on for its lifetime (mvmx_vm_get()), owns the
 * memory slots and the EPT (mmu/), and its vCPUs. It is bound to the
 * address space that created it: ioctls from another one (a forked child)
 * get -EIO, as in KVM, because slot HVAs mean nothing there.
 *
 * Environment: process context.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "core/minikvm.h"
#include "irq/apic.h"
#include "irq/chipset.h"

/* Drop one reference; the last one frees vCPUs, memory, then VMX. */
void minikvm_vm_put(struct minikvm_vm *vm)
{
	unsigned int i;

	if (!refcount_dec_and_test(&vm->users))
		return;
	minikvm_debugfs_vm_destroy(vm);
	/* The PIT's ticks go to the chipset: it stops first. */
	minikvm_pit_destroy(vm);
	/* No irqfd injects after this; the chips outlive the vCPUs. */
	minikvm_irqfd_release(vm);
	for (i = 0; i < vm->nr_vcpus; i++)
		minikvm_vcpu_destroy(vm->vcpus[i]);
	minikvm_chipset_destroy(vm);
	/* The bus's destructors free the ioeventfds and zones on it. */
	minikvm_iobus_destroy(vm);
	minikvm_ioeventfd_destroy(vm);
	minikvm_coalesced_mmio_free(vm);
	minikvm_msr_filter_destroy(vm);
	mmu_vm_destroy(vm);
	/* After the EPT that maps it. */
	minikvm_lapic_vm_destroy(vm);
	mmdrop(vm->mm);
	preempt_notifier_dec();
	mvmx_vm_put();
	kfree(vm);
}

static int minikvm_vm_release(struct inode *inode, struct file *filp)
{
	minikvm_vm_put(filp->private_data);
	return 0;
}

static long minikvm_vm_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	struct minikvm_vm *vm = filp->private_data;
	void __user *argp = (void __user *)arg;

	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case KVM_CREATE_VCPU:
		return minikvm_create_vcpu(vm, arg);
	case KVM_SET_USER_MEMORY_REGION: {
		struct kvm_userspace_memory_region mem;

		if (copy_from_user(&mem, argp, sizeof(mem)))
			return -EFAULT;
		return mmu_set_user_memory_region(vm, &mem);
	}
	case KVM_GET_DIRTY_LOG: {
		struct kvm_dirty_log log;

		if (copy_from_user(&log, argp, sizeof(log)))
			return -EFAULT;
		return mmu_get_dirty_log(vm, &log);
	}
	case KVM_CHECK_EXTENSION:
		return minikvm_check_extension((long)arg);
	case KVM_IOEVENTFD: {
		struct kvm_ioeventfd args;

		if (copy_from_user(&args, argp, sizeof(args)))
			return -EFAULT;
		return minikvm_ioeventfd(vm, &args);
	}
	case KVM_REGISTER_COALESCED_MMIO:
	case KVM_UNREGISTER_COALESCED_MMIO: {
		struct kvm_coalesced_mmio_zone zone;

		if (copy_from_user(&zone, argp, sizeof(zone)))
			return -EFAULT;
		if (ioctl == KVM_REGISTER_COALESCED_MMIO)
			return minikvm_register_coalesced_mmio(vm, &zone);
		return minikvm_unregister_coalesced_mmio(vm, &zone);
	}
	case KVM_ENABLE_CAP:
		return minikvm_vm_enable_cap(vm, argp);
	case KVM_X86_SET_MSR_FILTER: {
		struct kvm_msr_filter filter;

		if (copy_from_user(&filter, argp, sizeof(filter)))
			return -EFAULT;
		return minikvm_set_msr_filter(vm, &filter);
	}
	case KVM_SET_BOOT_CPU_ID:
		return minikvm_set_boot_cpu_id(vm, arg);
	case KVM_GET_STATS_FD:
		return minikvm_get_stats_fd(vm, NULL);
	case KVM_SET_TSS_ADDR:
		/*
		 * Only needed to emulate real mode without unrestricted guest,
		 * which minikvm requires; kept and range-checked as KVM does.
		 */
		if (arg > (unsigned int)(-3 * PAGE_SIZE))
			return -EINVAL;
		vm->tss_addr = arg;
		return 0;
	case KVM_SET_IDENTITY_MAP_ADDR: {
		u64 addr;
		int ret = 0;

		if (copy_from_user(&addr, argp, sizeof(addr)))
			return -EFAULT;
		mutex_lock(&vm->lock);
		/* KVM: only before the first vCPU exists. */
		if (vm->nr_vcpus)
			ret = -EINVAL;
		else
			vm->identity_map_addr = addr;
		mutex_unlock(&vm->lock);
		return ret;
	}
	case KVM_GET_CLOCK:
		return minikvm_get_clock(vm, argp);
	case KVM_SET_CLOCK:
		return minikvm_set_clock(vm, argp);
	case KVM_CREATE_PIT:
	case KVM_CREATE_PIT2:
	case KVM_GET_PIT:
	case KVM_SET_PIT:
	case KVM_GET_PIT2:
	case KVM_SET_PIT2:
	case KVM_REINJECT_CONTROL:
		return minikvm_pit_ioctl(vm, ioctl, argp);
	default:
		/* The chipset's, or kvm_arch_vm_ioctl()'s -ENOTTY for an unknown one. */
		return minikvm_chipset_ioctl(vm, ioctl, argp);
	}
}

static const struct file_operations minikvm_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= minikvm_vm_release,
	.unlocked_ioctl	= minikvm_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/**
 * minikvm_create_vm() - KVM_CREATE_VM
 * @type: machine type; only 0 (the default x86 VM) exists
 *
 * Return: the new VM fd, or -EINVAL for another type, -EBUSY when another
 * hypervisor (kvm_intel with a VM of its own) holds VMX, -ENOMEM.
 */
int minikvm_create_vm(unsigned long type)
{
	struct minikvm_vm *vm;
	int ret, fd;

	if (type)
		return -EINVAL;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	refcount_set(&vm->users, 1);
	mutex_init(&vm->lock);
	vm->mm = current->mm;
	mmgrab(vm->mm);
	/* KVM's default; KVM_CAP_MSR_PLATFORM_INFO with 0 takes it away. */
	vm->guest_reads_platform_info = true;
	minikvm_kvmclock_init(vm);

	ret = mvmx_vm_get();
	if (ret)
		goto err_mm;
	minikvm_ioeventfd_init(vm);
	ret = minikvm_coalesced_mmio_init(vm);
	if (ret)
		goto err_vmx;
	ret = minikvm_iobus_init(vm);
	if (ret)
		goto err_coalesced;
	ret = minikvm_irq_vm_init(vm);
	if (ret)
		goto err_iobus;
	minikvm_irqfd_vm_init(vm);
	ret = mmu_vm_init(vm);
	if (ret)
		goto err_irq;
	preempt_notifier_inc();
	minikvm_debugfs_vm_create(vm);

	fd = anon_inode_getfd("minikvm-vm", &minikvm_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		/* The VM never became visible: the normal teardown applies. */
		minikvm_vm_put(vm);
		return fd;
	}
	return fd;

err_irq:
	cleanup_srcu_struct(&vm->irq_srcu);
err_iobus:
	cleanup_srcu_struct(&vm->io_srcu);
err_coalesced:
	minikvm_coalesced_mmio_free(vm);
err_vmx:
	mvmx_vm_put();
err_mm:
	mmdrop(vm->mm);
	kfree(vm);
	return ret;
}
