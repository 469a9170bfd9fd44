// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU file descriptor: KVM_CREATE_VCPU, KVM_RUN, the vCPU mmap, and
 * dispatch of the per-vCPU ioctls.
 *
 * Every vCPU ioctl runs with the vCPU "loaded": its VMCS current on this
 * CPU, and a preempt notifier registered so that if the thread sleeps or
 * is preempted and wakes on another CPU, the VMCS follows it
 * (mvmx_vcpu_load()/mvmx_vcpu_put()). vcpu->mutex makes ioctls on one vCPU
 * run one at a time, as in KVM.
 *
 * Environment: process context of the VM's creator.
 */
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/preempt.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>

#include "core/minikvm.h"
#include "uapi/minikvm.h"
#include "core/observe.h"
#include "irq/apic.h"
#include "irq/event.h"
#include "irq/irqchip.h"

#define MINIKVM_MAX_IO_MSRS	256	/* KVM's MAX_IO_MSRS */

static inline struct minikvm_vcpu *preempt_notifier_to_vcpu(struct preempt_notifier *pn)
{
	return container_of(pn, struct minikvm_vcpu, preempt_notifier);
}

static void minikvm_sched_in(struct preempt_notifier *pn, int cpu)
{
	mvmx_vcpu_load(preempt_notifier_to_vcpu(pn));
}

static void minikvm_sched_out(struct preempt_notifier *pn, struct task_struct *next)
{
	mvmx_vcpu_put(preempt_notifier_to_vcpu(pn));
}

static struct preempt_ops minikvm_preempt_ops = {
	.sched_in = minikvm_sched_in,
	.sched_out = minikvm_sched_out,
};

static void minikvm_vcpu_load(struct minikvm_vcpu *vcpu)
{
	preempt_disable();
	preempt_notifier_register(&vcpu->preempt_notifier);
	mvmx_vcpu_load(vcpu);
	preempt_enable();
}

static void minikvm_vcpu_put(struct minikvm_vcpu *vcpu)
{
	preempt_disable();
	mvmx_vcpu_put(vcpu);
	preempt_notifier_unregister(&vcpu->preempt_notifier);
	preempt_enable();
}

/* What KVM leaves in kvm_run after every KVM_RUN without an irqchip. */
static void minikvm_post_run_save(struct minikvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	run->if_flag = !!(minikvm_get_rflags(vcpu) & X86_EFLAGS_IF);
	run->cr8 = minikvm_get_cr8(vcpu);
	run->apic_base = vcpu->msr_apic_base;
	run->ready_for_interrupt_injection = minikvm_irqchip_kernel(vcpu->vm) ||
					     minikvm_ready_for_interrupt(vcpu);
	run->flags = 0;
}

/*
 * The exit to userspace that KVM_RUN returned last may need finishing
 * first (an IN's data, an MMIO load's value), as KVM's
 * complete_userspace_io does. Return: > 0 to go on, else KVM_RUN's result.
 */
static int minikvm_complete_userspace_io(struct minikvm_vcpu *vcpu)
{
	int (*cui)(struct minikvm_vcpu *vcpu) = vcpu->complete_userspace_io;

	if (!cui)
		return 1;
	vcpu->complete_userspace_io = NULL;
	return cui(vcpu);
}

/*
 * Remember which thread runs the vCPU, for minikvm_vcpu_on_spin() in the
 * others' threads (readers under RCU; the vCPU mutex serializes writers).
 */
static void minikvm_vcpu_note_thread(struct minikvm_vcpu *vcpu)
{
	struct pid *old = rcu_dereference_protected(vcpu->pid, lockdep_is_held(&vcpu->mutex));

	if (likely(old == task_pid(current)))
		return;
	rcu_assign_pointer(vcpu->pid, get_task_pid(current, PIDTYPE_PID));
	if (old) {
		synchronize_rcu();
		put_pid(old);
	}
}

/*
 * KVM_RUN of an AP that waits for INIT (KVM 6.1's kvm_arch_vcpu_ioctl_run()):
 * it blocks until an INIT or SIPI arrives or a signal, takes the INIT,
 * and returns -EAGAIN (-EINTR with KVM_EXIT_INTR on a signal) without
 * running the guest; the VMM calls KVM_RUN again.
 */
static int minikvm_vcpu_run_uninitialized(struct minikvm_vcpu *vcpu)
{
	if (vcpu->run->immediate_exit)
		return -EINTR;
	minikvm_vcpu_block(vcpu);
	minikvm_lapic_accept_events(vcpu);
	if (!signal_pending(current))
		return -EAGAIN;
	vcpu->run->exit_reason = KVM_EXIT_INTR;
	return -EINTR;
}

/**
 * minikvm_vcpu_run() - KVM_RUN
 * @vcpu: the loaded vCPU
 *
 * The guest FPU state replaces the task's for the duration (and the task's
 * comes back before returning), so a guest can never see or change the
 * VMM's vector registers.
 *
 * Registers userspace marked in kvm_dirty_regs go in first, those it
 * named in kvm_valid_regs come back on every return (core/sync_regs.c).
 *
 * Return: 0 with run->exit_reason set, -EINTR (a signal: exit_reason
 * KVM_EXIT_INTR; or immediate_exit, exit_reason untouched), -EINVAL for a
 * bad run->cr8 or sync-regs request, or another -errno.
 */
static int minikvm_vcpu_run(struct minikvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	/* Read once: the run page is shared with userspace, which may race. */
	u64 valid = READ_ONCE(run->kvm_valid_regs);
	u64 dirty = READ_ONCE(run->kvm_dirty_regs);
	u64 cr8;
	int ret;

	run->flags = 0;
	minikvm_vcpu_note_thread(vcpu);
	if (vcpu->mp_state == KVM_MP_STATE_UNINITIALIZED) {
		ret = minikvm_vcpu_run_uninitialized(vcpu);
		goto out;
	}
	if ((valid | dirty) & ~(u64)KVM_SYNC_X86_VALID_FIELDS)
		ret = -EINVAL;
	else
		ret = dirty ? minikvm_sync_regs_in(vcpu, dirty) : 0;
	if (ret)
		goto out_sync;
	/* Without an in-kernel LAPIC the VMM owns the TPR, as in KVM. */
	if (!vcpu->apic) {
		cr8 = READ_ONCE(run->cr8);
		if (cr8 > 15) {
			ret = -EINVAL;
			goto out_sync;
		}
		vcpu->cr8 = cr8;
	}

	minikvm_irq_run_start(vcpu);
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, true);
	ret = minikvm_complete_userspace_io(vcpu);
	/* With immediate_exit, KVM returns -EINTR now, exit_reason untouched. */
	if (ret > 0 && run->immediate_exit) {
		ret = -EINTR;
	} else if (ret > 0) {
		vcpu->has_run = true;
		ret = mvmx_vcpu_run(vcpu);
	}
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, false);
out:
	minikvm_sync_regs_out(vcpu, valid);
	minikvm_post_run_save(vcpu);
	minikvm_note_run_return(vcpu, ret);
	return ret;

out_sync:
	minikvm_sync_regs_out(vcpu, valid);
	return ret;
}

static long minikvm_msr_io(struct minikvm_vcpu *vcpu, struct kvm_msrs __user *umsrs, bool set)
{
	struct kvm_msr_entry __user *ue = umsrs->entries;
	struct kvm_msrs hdr;
	u32 i;

	if (copy_from_user(&hdr, umsrs, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nmsrs >= MINIKVM_MAX_IO_MSRS)
		return -E2BIG;
	/* KVM's contract: the number of MSRs done, stopping at the first failure. */
	for (i = 0; i < hdr.nmsrs; i++) {
		struct kvm_msr_entry e;

		if (copy_from_user(&e, &ue[i], sizeof(e)))
			return -EFAULT;
		if (set) {
			if (mvmx_set_msr(vcpu, e.index, e.data, true))
				break;
		} else {
			if (mvmx_get_msr(vcpu, e.index, &e.data, true))
				break;
			if (copy_to_user(&ue[i].data, &e.data, sizeof(e.data)))
				return -EFAULT;
		}
	}
	return i;
}

/* The thread of @vcpu's last KVM_RUN, with a reference; NULL if none. */
static struct task_struct *minikvm_vcpu_task(struct minikvm_vcpu *vcpu)
{
	struct task_struct *task = NULL;
	struct pid *pid;

	rcu_read_lock();
	pid = rcu_dereference(vcpu->pid);
	if (pid)
		task = get_pid_task(pid, PIDTYPE_PID);
	rcu_read_unlock();
	return task;
}

/**
 * minikvm_vcpu_on_spin() - the vCPU spins in a PAUSE loop: give way
 * @me: the spinning vCPU, in its own thread, preemptible
 *
 * What it waits for is most likely another vCPU of its VM whose thread is
 * runnable but not on a CPU: kicked awake onto this very host CPU, or
 * preempted while it held a guest lock. Hand this CPU to the first such
 * thread (KVM's kvm_vcpu_on_spin() and its directed yield); a thread
 * that sleeps (a halted vCPU) or already runs is skipped by yield_to().
 */
void minikvm_vcpu_on_spin(struct minikvm_vcpu *me)
{
	struct minikvm_vm *vm = me->vm;
	/* Pairs with the release in minikvm_create_vcpu(): vcpus[] is filled. */
	unsigned int i, n = smp_load_acquire(&vm->nr_vcpus);

	for (i = 0; i < n; i++) {
		struct minikvm_vcpu *vcpu = vm->vcpus[i];
		struct task_struct *task;
		int yielded;

		if (vcpu == me || READ_ONCE(vcpu->mode) == MINIKVM_IN_GUEST)
			continue;
		task = minikvm_vcpu_task(vcpu);
		if (!task)
			continue;
		yielded = yield_to(task, true);
		put_task_struct(task);
		if (yielded > 0)
			return;
	}
}

static long minikvm_vcpu_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	struct minikvm_vcpu *vcpu = filp->private_data;
	void __user *argp = (void __user *)arg;
	long ret;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	minikvm_vcpu_load(vcpu);

	switch (ioctl) {
	case KVM_RUN:
		ret = arg ? -EINVAL : minikvm_vcpu_run(vcpu);
		break;
	case KVM_SET_CPUID2:
		ret = minikvm_set_cpuid2(vcpu, argp);
		break;
	case KVM_GET_CPUID2:
		ret = minikvm_get_cpuid2(vcpu, argp);
		break;
	case KVM_GET_MSRS:
		ret = minikvm_msr_io(vcpu, argp, false);
		break;
	case KVM_SET_MSRS:
		ret = minikvm_msr_io(vcpu, argp, true);
		break;
	case KVM_GET_STATS_FD:
		ret = minikvm_get_stats_fd(vcpu->vm, vcpu);
		break;
	case KVM_TRANSLATE:
	case MINIKVM_TRANSLATE_CHAIN:
		ret = mmu_translate_ioctl(vcpu, ioctl, argp);
		break;
	case KVM_X86_SETUP_MCE:
		ret = minikvm_setup_mce(vcpu, argp);
		break;
	case KVM_ENABLE_CAP:
		ret = minikvm_vcpu_enable_cap(vcpu, argp);
		break;
	default:
		ret = minikvm_irq_ioctl(vcpu, ioctl, argp);
		if (ret == -ENOIOCTLCMD)
			ret = minikvm_xsave_ioctl(vcpu, ioctl, argp);
		if (ret == -ENOIOCTLCMD)
			ret = minikvm_vcpu_attr_ioctl(vcpu, ioctl, argp);
		if (ret == -ENOIOCTLCMD)
			ret = minikvm_vcpu_state_ioctl(vcpu, ioctl, argp);
	}

	minikvm_vcpu_put(vcpu);
	mutex_unlock(&vcpu->mutex);
	return ret;
}

/* The vCPU mmap: kvm_run, the PIO data page, the VM's coalesced MMIO ring. */
static vm_fault_t minikvm_vcpu_fault(struct vm_fault *vmf)
{
	struct minikvm_vcpu *vcpu = vmf->vma->vm_file->private_data;
	void *addr;

	switch (vmf->pgoff) {
	case 0:
		addr = vcpu->run;
		break;
	case KVM_PIO_PAGE_OFFSET:
		addr = vcpu->pio_data;
		break;
	case KVM_COALESCED_MMIO_PAGE_OFFSET:
		addr = vcpu->vm->coalesced_ring;
		break;
	default:
		return VM_FAULT_SIGBUS;
	}
	vmf->page = virt_to_page(addr);
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct minikvm_vcpu_vm_ops = {
	.fault = minikvm_vcpu_fault,
};

static int minikvm_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	vma->vm_ops = &minikvm_vcpu_vm_ops;
	return 0;
}

static int minikvm_vcpu_release(struct inode *inode, struct file *filp)
{
	struct minikvm_vcpu *vcpu = filp->private_data;

	minikvm_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations minikvm_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= minikvm_vcpu_release,
	.unlocked_ioctl	= minikvm_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= minikvm_vcpu_mmap,
	.llseek		= noop_llseek,
};

/* Free a vCPU; only from minikvm_vm_put(), when no fd can reach it. */
void minikvm_vcpu_destroy(struct minikvm_vcpu *vcpu)
{
	minikvm_lapic_free(vcpu);
	mvmx_vcpu_free(vcpu);
	fpu_free_guest_fpstate(&vcpu->guest_fpu);
	put_pid(rcu_dereference_protected(vcpu->pid, true));
	kvfree(vcpu->cpuid);
	free_page((unsigned long)vcpu->run);
	free_page((unsigned long)vcpu->pio_data);
	kfree(vcpu);
}

/**
 * minikvm_create_vcpu() - KVM_CREATE_VCPU
 * @vm: the VM
 * @id: the vCPU id (its APIC id)
 *
 * As KVM, the vCPU counts as created (vm->created_vcpus) from the checks
 * on, so that KVM_SET_BOOT_CPU_ID and KVM_CAP_MAX_VCPU_ID cannot change
 * under a vCPU being built.
 *
 * Return: the vCPU fd; -EINVAL for an id >= MINIKVM_MAX_VCPUS or the
 * KVM_CAP_MAX_VCPU_ID limit, or when the VM is full, -EEXIST for an id in
 * use (KVM's answers), -ENOMEM.
 */
int minikvm_create_vcpu(struct minikvm_vm *vm, unsigned long id)
{
	struct minikvm_vcpu *vcpu;
	unsigned int i;
	int ret, fd;

	if (id >= MINIKVM_MAX_VCPUS)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (vm->created_vcpus >= MINIKVM_MAX_VCPUS ||
	    (vm->max_vcpu_ids && id >= vm->max_vcpu_ids)) {
		mutex_unlock(&vm->lock);
		return -EINVAL;
	}
	vm->created_vcpus++;
	mutex_unlock(&vm->lock);

	ret = -ENOMEM;
	vcpu = kzalloc(mvmx_vcpu_size, GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		goto err_created;
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->mutex);
	rcuwait_init(&vcpu->wait);
	vcpu->run_cpu = -1;
	preempt_notifier_init(&vcpu->preempt_notifier, &minikvm_preempt_ops);
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->pio_data = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	ret = -ENOMEM;
	if (!vcpu->run || !vcpu->pio_data)
		goto err_pages;
	if (!fpu_alloc_guest_fpstate(&vcpu->guest_fpu))
		goto err_pages;
	/* KVM's reset values: guest TSC starts near 0, no PEBS/BTS. */
	vcpu->tsc_offset = -rdtsc();
	vcpu->msr_misc_enable = MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL | MSR_IA32_MISC_ENABLE_BTS_UNAVAIL;
	minikvm_mce_reset(vcpu);
	minikvm_irq_vcpu_reset(vcpu);
	ret = mvmx_vcpu_create(vcpu);
	if (ret)
		goto err_fpu;
	ret = minikvm_lapic_create(vcpu);
	if (ret)
		goto err_vmx;

	mutex_lock(&vm->lock);
	ret = -EEXIST;
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->id == id)
			goto err_unlock;
	/* The fd holds a VM reference, dropped by minikvm_vcpu_release(). */
	refcount_inc(&vm->users);
	fd = anon_inode_getfd("minikvm-vcpu", &minikvm_vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		refcount_dec(&vm->users);
		ret = fd;
		goto err_unlock;
	}
	vm->vcpus[vm->nr_vcpus] = vcpu;
	/* Senders walk vcpus[] without the lock (irq/lapic_deliver.c). */
	smp_store_release(&vm->nr_vcpus, vm->nr_vcpus + 1);
	minikvm_debugfs_vcpu_create(vcpu);
	mutex_unlock(&vm->lock);
	return fd;

err_unlock:
	mutex_unlock(&vm->lock);
	minikvm_lapic_free(vcpu);
err_vmx:
	mvmx_vcpu_free(vcpu);
err_fpu:
	fpu_free_guest_fpstate(&vcpu->guest_fpu);
err_pages:
	free_page((unsigned long)vcpu->run);
	free_page((unsigned long)vcpu->pio_data);
	kfree(vcpu);
err_created:
	mutex_lock(&vm->lock);
	vm->created_vcpus--;
	mutex_unlock(&vm->lock);
	return ret;
}
