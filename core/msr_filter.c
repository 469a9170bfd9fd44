// SPDX-License-Identifier: GPL-2.0
/*
 * MSR accesses userspace takes over: KVM_X86_SET_MSR_FILTER (which guest
 * RDMSR/WRMSR the kernel may serve at all) and KVM_CAP_X86_USER_SPACE_MSR
 * (which failed ones exit to userspace as KVM_EXIT_X86_RDMSR/WRMSR instead
 * of raising #GP). KVM 6.1's rules (arch/x86/kvm/x86.c):
 *
 *  - a filter is up to KVM_MSR_FILTER_MAX_RANGES ranges, each a bitmap
 *    over [base, base + nmsrs) for reads, writes or both; the first range
 *    that holds the MSR for that kind of access decides (bit set: allowed),
 *    otherwise the default (allow, or KVM_MSR_FILTER_DEFAULT_DENY);
 *  - x2APIC MSRs (800h-8ffh) are never filtered, nor are KVM_GET/SET_MSRS;
 *  - a new filter replaces the old one whole; a default-deny filter with
 *    no range, unknown flags, a range with no access flag or unknown ones,
 *    or a bitmap over KVM_MSR_FILTER_MAX_BITMAP_SIZE bytes is -EINVAL;
 *    ranges with nmsrs 0 are skipped; a filter with no ranges and default
 *    allow removes filtering.
 *
 * Readers run in the vCPU thread at an MSR exit, under RCU; the filter is
 * replaced under vm->lock and freed after a grace period. Each change
 * bumps vm->msr_filter_gen, so that a vCPU rebuilds, before its next
 * entry, which MSRs it lets the guest reach without an exit (vmx/vmcs.c).
 *
 * Environment: process context.
 */
#include <linux/bitmap.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "core/minikvm.h"

struct msr_filter_range {
	u32 flags;
	u32 base;
	u32 nmsrs;
	unsigned long *bitmap;
};

struct minikvm_msr_filter {
	bool default_allow;
	u32 count;
	struct msr_filter_range ranges[KVM_MSR_FILTER_MAX_RANGES];
};

static void msr_filter_free(struct minikvm_msr_filter *f)
{
	u32 i;

	if (!f)
		return;
	for (i = 0; i < f->count; i++)
		kfree(f->ranges[i].bitmap);
	kfree(f);
}

static int msr_filter_add(struct minikvm_msr_filter *f, const struct kvm_msr_filter_range *r)
{
	unsigned long *bitmap;
	size_t size;

	if (!r->nmsrs)
		return 0;
	if (!r->flags || (r->flags & ~(KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE)))
		return -EINVAL;
	size = BITS_TO_LONGS(r->nmsrs) * sizeof(long);
	if (size > KVM_MSR_FILTER_MAX_BITMAP_SIZE)
		return -EINVAL;
	bitmap = memdup_user((const void __user *)r->bitmap, size);
	if (IS_ERR(bitmap))
		return PTR_ERR(bitmap);
	f->ranges[f->count++] = (struct msr_filter_range) {
		.flags = r->flags, .base = r->base, .nmsrs = r->nmsrs, .bitmap = bitmap,
	};
	return 0;
}

/**
 * minikvm_set_msr_filter() - KVM_X86_SET_MSR_FILTER
 * @vm: the VM
 * @uf: the filter as copied in (the bitmaps are still userspace's)
 *
 * Return: 0; -EINVAL as described above, -EFAULT, -ENOMEM; a rejected
 * filter leaves the old one in force.
 */
int minikvm_set_msr_filter(struct minikvm_vm *vm, const struct kvm_msr_filter *uf)
{
	struct minikvm_msr_filter *f, *old;
	bool empty = true;
	unsigned int i;
	int ret;

	if (uf->flags & ~KVM_MSR_FILTER_DEFAULT_DENY)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(uf->ranges); i++)
		empty &= !uf->ranges[i].nmsrs;
	if (empty && (uf->flags & KVM_MSR_FILTER_DEFAULT_DENY))
		return -EINVAL;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	f->default_allow = !(uf->flags & KVM_MSR_FILTER_DEFAULT_DENY);
	for (i = 0; i < ARRAY_SIZE(uf->ranges); i++) {
		ret = msr_filter_add(f, &uf->ranges[i]);
		if (ret) {
			msr_filter_free(f);
			return ret;
		}
	}

	mutex_lock(&vm->lock);
	old = rcu_dereference_protected(vm->msr_filter, lockdep_is_held(&vm->lock));
	rcu_assign_pointer(vm->msr_filter, f);
	WRITE_ONCE(vm->msr_filter_gen, vm->msr_filter_gen + 1);
	mutex_unlock(&vm->lock);
	synchronize_rcu();
	msr_filter_free(old);
	return 0;
}

/* The VM is going: no vCPU runs. */
void minikvm_msr_filter_destroy(struct minikvm_vm *vm)
{
	msr_filter_free(rcu_dereference_protected(vm->msr_filter, true));
}

/**
 * minikvm_msr_allowed() - may the guest's access reach the MSR model?
 * @vcpu: the vCPU
 * @index: the MSR
 * @type: KVM_MSR_FILTER_READ or KVM_MSR_FILTER_WRITE
 */
bool minikvm_msr_allowed(struct minikvm_vcpu *vcpu, u32 index, u32 type)
{
	struct minikvm_msr_filter *f;
	bool allowed = true;
	u32 i;

	if (index >= 0x800 && index <= 0x8ff)
		return true;
	rcu_read_lock();
	f = rcu_dereference(vcpu->vm->msr_filter);
	if (f) {
		allowed = f->default_allow;
		for (i = 0; i < f->count; i++) {
			const struct msr_filter_range *r = &f->ranges[i];
			/* As KVM: a range whose end wraps past 2^32 holds nothing. */
			u32 end = r->base + r->nmsrs;

			if (index >= r->base && index < end && (r->flags & type)) {
				allowed = test_bit(index - r->base, r->bitmap);
				break;
			}
		}
	}
	rcu_read_unlock();
	return allowed;
}

/* Which KVM_MSR_EXIT_REASON_* a failed access is. */
static u32 msr_exit_reason(int r)
{
	switch (r) {
	case MINIKVM_MSR_FILTERED:
		return KVM_MSR_EXIT_REASON_FILTER;
	case MINIKVM_MSR_UNKNOWN:
		return KVM_MSR_EXIT_REASON_UNKNOWN;
	default:
		return KVM_MSR_EXIT_REASON_INVAL;
	}
}

/**
 * minikvm_msr_user_exit() - hand a failed guest RDMSR/WRMSR to userspace
 * @vcpu: the vCPU at the exit
 * @index: the MSR
 * @write: WRMSR (else RDMSR)
 * @data: the value written (0 for a read)
 * @r: why it failed: MINIKVM_MSR_FILTERED, MINIKVM_MSR_UNKNOWN, or 1
 *     (the model refused the access)
 * @complete: what finishes the instruction at the next KVM_RUN
 *
 * Return: true with the exit set up when userspace enabled that reason
 * (KVM_CAP_X86_USER_SPACE_MSR); false: the guest takes #GP.
 */
bool minikvm_msr_user_exit(struct minikvm_vcpu *vcpu, u32 index, bool write, u64 data, int r,
			   int (*complete)(struct minikvm_vcpu *vcpu))
{
	struct kvm_run *run = vcpu->run;
	u32 reason = msr_exit_reason(r);

	if (!(READ_ONCE(vcpu->vm->user_space_msr_mask) & reason))
		return false;
	run->exit_reason = write ? KVM_EXIT_X86_WRMSR : KVM_EXIT_X86_RDMSR;
	run->msr.error = 0;
	memset(run->msr.pad, 0, sizeof(run->msr.pad));
	run->msr.reason = reason;
	run->msr.index = index;
	run->msr.data = data;
	vcpu->complete_userspace_io = complete;
	return true;
}
