// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_DIRTY_LOG: which pages of a slot the guest wrote since the last
 * call, by write protection. A logged slot's pages are mapped read-only
 * until written (mmu/ept_violation.c sets the bit and maps the page
 * writable); reading the log hands the bitmap to userspace, clears it and
 * write-protects the pages it named again, then flushes every CPU so no
 * cached writable translation survives.
 *
 * The write protection is done before the bitmap is copied out, so a page
 * written while the VMM reads the log is in this log or in the next one,
 * never in neither. PML could replace write protection where the CPU has
 * it; this path is the one that works everywhere.
 *
 * Environment: process context of the VM's creator.
 */
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "core/minikvm.h"

/**
 * mmu_get_dirty_log() - KVM_GET_DIRTY_LOG
 * @vm: the VM
 * @log: slot and userspace bitmap, copied from userspace
 *
 * Return: 0; -EINVAL for a slot number beyond the slots; -ENOENT when the
 * slot does not exist or does not log (KVM's answers); -EFAULT; -ENOMEM.
 */
int mmu_get_dirty_log(struct minikvm_vm *vm, struct kvm_dirty_log *log)
{
	struct mmu_vm *mmu = &vm->mmu;
	unsigned long *snap, n;
	struct mmu_slot *s;
	u64 i;
	int ret = 0;

	if (log->slot >= MINIKVM_USER_MEM_SLOTS)
		return -EINVAL;
	mutex_lock(&mmu->lock);
	s = &mmu->slots[array_index_nospec(log->slot, MINIKVM_USER_MEM_SLOTS)];
	if (!s->used || !s->dirty_bitmap) {
		mutex_unlock(&mmu->lock);
		return -ENOENT;
	}
	/* KVM's size: npages rounded up to whole longs. */
	n = BITS_TO_LONGS(s->npages) * sizeof(long);
	snap = kvmalloc(n, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!snap) {
		mutex_unlock(&mmu->lock);
		return -ENOMEM;
	}
	memcpy(snap, s->dirty_bitmap, n);
	memset(s->dirty_bitmap, 0, n);
	for_each_set_bit(i, snap, s->npages)
		ept_write_protect(mmu, s->base_gfn + i);
	ept_flush_all_cpus(mmu);
	mutex_unlock(&mmu->lock);

	if (copy_to_user(log->dirty_bitmap, snap, n))
		ret = -EFAULT;
	kvfree(snap);
	return ret;
}
