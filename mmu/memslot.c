// SPDX-License-Identifier: GPL-2.0
/*
 * Memory slots: the VMM's map of guest-physical memory onto its own
 * virtual memory (GPA -> HVA), set with KVM_SET_USER_MEMORY_REGION.
 *
 * Host pages are pinned when the guest first touches them (EPT violation,
 * mmu/ept_violation.c) and stay pinned, counted in mmu->pages_pinned,
 * until their slot is deleted or moved or the VM goes, and charged to the
 * VMM's RLIMIT_MEMLOCK meanwhile (mmu_charge_pinned()). So a VMM that
 * munmap()s or madvise(DONTNEED)s slot memory while the guest runs cannot
 * make the guest reach freed memory: the guest keeps the old pages, which
 * return to the allocator when the slot does. A slot costs nothing per
 * page until the guest touches it: the pinned pages are kept in chunks
 * of 2 MiB made at first touch (mmu/slot_pages.c), so a huge sparse slot
 * stays cheap (the dirty bitmap, one bit a page, exists only while the
 * slot is logged).
 *
 * Environment: process context of the VM's creator; mmu->lock held
 * across every change, and by a fault-in except while it pins the page
 * (mmu/ept_violation.c, ept_pin_page(): mmu->generation says whether the
 * slots changed meanwhile).
 */
#include <linux/capability.h>
#include <linux/nospec.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/vmx.h>

#include "core/minikvm.h"

/* KVM's own bound on a slot (KVM_MEM_MAX_NR_PAGES). */
#define MMU_MAX_SLOT_PAGES	((1ull << 31) - 1)

struct mmu_slot *mmu_find_slot(struct mmu_vm *mmu, u64 gfn)
{
	int i;

	for (i = 0; i < MINIKVM_USER_MEM_SLOTS; i++) {
		struct mmu_slot *s = &mmu->slots[i];

		if (s->used && gfn >= s->base_gfn && gfn < s->base_gfn + s->npages)
			return s;
	}
	return NULL;
}

/**
 * mmu_charge_pinned() - count pages about to be pinned against RLIMIT_MEMLOCK
 * @mmu: the VM's MMU
 * @npages: how many
 *
 * KVM does not pin guest memory; minikvm does, so it charges the VMM the
 * way RDMA and io_uring charge their pins: mm->pinned_vm (VmPin in
 * /proc/PID/status) against RLIMIT_MEMLOCK, unless CAP_IPC_LOCK. An
 * atomic add, no mmap lock: the cost of a fault-in stays the same.
 *
 * Return: 0, or -ENOMEM (nothing charged) past the limit.
 */
int mmu_charge_pinned(struct mmu_vm *mmu, unsigned long npages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;

	if (atomic64_add_return(npages, &mmu->mm->pinned_vm) > limit &&
	    !capable(CAP_IPC_LOCK)) {
		atomic64_sub(npages, &mmu->mm->pinned_vm);
		return -ENOMEM;
	}
	return 0;
}

void mmu_uncharge_pinned(struct mmu_vm *mmu, unsigned long npages)
{
	atomic64_sub(npages, &mmu->mm->pinned_vm);
}

static void mmu_slot_release(struct mmu_vm *mmu, struct mmu_slot *s)
{
	unsigned long n = mmu_slot_unpin_all(s);

	mmu->pages_pinned -= n;
	mmu_uncharge_pinned(mmu, n);
	kvfree(s->dirty_bitmap);
	s->dirty_bitmap = NULL;
}

/* Remove a slot's translations everywhere before its pages go. */
static void mmu_slot_unmap(struct mmu_vm *mmu, struct mmu_slot *s)
{
	ept_zap_range(mmu, s->base_gfn, s->npages);
	ept_flush_all_cpus(mmu);
	mmu_slot_release(mmu, s);
}

/*
 * New flags for a slot. Turning dirty logging on starts a fresh bitmap and
 * write-protects the slot by dropping its mappings: every page then
 * faults once, and a write fault marks it dirty (mmu/ept_violation.c).
 */
static int mmu_slot_set_flags(struct mmu_vm *mmu, struct mmu_slot *s, u32 flags)
{
	bool log = flags & KVM_MEM_LOG_DIRTY_PAGES;

	if (log && !s->dirty_bitmap) {
		s->dirty_bitmap = kvcalloc(BITS_TO_LONGS(s->npages), sizeof(long),
					   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!s->dirty_bitmap)
			return -ENOMEM;
		ept_zap_range(mmu, s->base_gfn, s->npages);
		ept_flush_all_cpus(mmu);
	} else if (!log && s->dirty_bitmap) {
		kvfree(s->dirty_bitmap);
		s->dirty_bitmap = NULL;
	}
	s->flags = flags;
	return 0;
}

/**
 * mmu_set_user_memory_region() - KVM_SET_USER_MEMORY_REGION
 * @vm: the VM
 * @mem: the region, copied from userspace
 *
 * Validation follows KVM's __kvm_set_memory_region(): page-aligned size,
 * GPA and HVA, no wrap-around, an HVA range userspace may access, no
 * overlap with another slot (-EEXIST), nothing above mmu->max_gfn
 * (kvm_arch_prepare_memory_region()); an existing slot may only be
 * deleted (size 0), moved (new GPA) or get new flags (not READONLY).
 * Differences from KVM (Documentation/ioctl.rst): 32 slots, in address
 * space 0 only.
 *
 * Return: 0 or -errno. When it returns, no CPU can reach memory the call
 * removed.
 */
int mmu_set_user_memory_region(struct minikvm_vm *vm, const struct kvm_userspace_memory_region *mem)
{
	struct mmu_vm *mmu = &vm->mmu;
	struct mmu_slot *s, *other;
	u64 base_gfn = mem->guest_phys_addr >> PAGE_SHIFT;
	u64 npages = mem->memory_size >> PAGE_SHIFT;
	int i, ret = 0;

	if (mem->flags & ~(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY))
		return -EINVAL;
	if ((mem->memory_size & ~PAGE_MASK) || (mem->guest_phys_addr & ~PAGE_MASK) ||
	    (mem->userspace_addr & ~PAGE_MASK) ||
	    !access_ok((void __user *)(unsigned long)mem->userspace_addr, mem->memory_size))
		return -EINVAL;
	if (mem->slot >= MINIKVM_USER_MEM_SLOTS)
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr || npages > MMU_MAX_SLOT_PAGES)
		return -EINVAL;
	if (npages && base_gfn + npages - 1 > mmu->max_gfn)
		return -EINVAL;

	mutex_lock(&mmu->lock);
	s = &mmu->slots[array_index_nospec(mem->slot, MINIKVM_USER_MEM_SLOTS)];
	if (!mem->memory_size) {
		if (!s->used) {
			ret = -EINVAL;
			goto out;
		}
		mmu_slot_unmap(mmu, s);
		s->used = false;
		goto out;
	}
	if (s->used) {
		if (mem->userspace_addr != s->userspace_addr || npages != s->npages ||
		    ((mem->flags ^ s->flags) & KVM_MEM_READONLY)) {
			ret = -EINVAL;
			goto out;
		}
		if (base_gfn == s->base_gfn) {
			ret = mmu_slot_set_flags(mmu, s, mem->flags);
			goto out;
		}
	}
	for (i = 0; i < MINIKVM_USER_MEM_SLOTS; i++) {
		other = &mmu->slots[i];
		if (other != s && other->used && base_gfn < other->base_gfn + other->npages &&
		    other->base_gfn < base_gfn + npages) {
			ret = -EEXIST;
			goto out;
		}
	}
	if (s->used)		/* a move: the old GPA range goes away first */
		mmu_slot_unmap(mmu, s);
	s->used = false;
	s->flags = 0;
	s->base_gfn = base_gfn;
	s->npages = npages;
	s->userspace_addr = mem->userspace_addr;
	ret = mmu_slot_set_flags(mmu, s, mem->flags);
	if (ret) {
		mmu_slot_release(mmu, s);
		goto out;
	}
	/* The new range may hold MMIO marks from when nothing was there. */
	ept_zap_range(mmu, base_gfn, npages);
	ept_flush_all_cpus(mmu);
	s->used = true;
out:
	if (!ret)
		mmu->generation++;
	mutex_unlock(&mmu->lock);
	return ret;
}

/*
 * A write minikvm made for the guest (not through the EPT) dirties its page
 * as a guest store would: marked after the copy, as KVM's mark_page_dirty()
 * is, so a log read between the two cannot lose it.
 */
static void mmu_mark_written(struct mmu_vm *mmu, u64 gfn, unsigned long hva)
{
	struct mmu_slot *s;

	mutex_lock(&mmu->lock);
	s = mmu_find_slot(mmu, gfn);
	if (s && s->dirty_bitmap &&
	    s->userspace_addr + (gfn - s->base_gfn) * PAGE_SIZE == (hva & PAGE_MASK))
		__set_bit(gfn - s->base_gfn, s->dirty_bitmap);
	mutex_unlock(&mmu->lock);
}

/*
 * Guest memory through the slots, from the VM creator's own context. A
 * write to a KVM_MEM_READONLY slot is refused (-EFAULT) like a write to
 * no slot: the guest cannot store there either.
 */
static int mmu_copy_guest(struct minikvm_vm *vm, u64 gpa, void *data, unsigned long len, bool write)
{
	while (len) {
		unsigned long chunk = min_t(unsigned long, len, PAGE_SIZE - offset_in_page(gpa));
		struct mmu_slot *s;
		void __user *hva;
		unsigned long left;

		mutex_lock(&vm->mmu.lock);
		s = mmu_find_slot(&vm->mmu, gpa >> PAGE_SHIFT);
		if (s && write && (s->flags & KVM_MEM_READONLY))
			s = NULL;
		hva = s ? (void __user *)(s->userspace_addr +
					  ((gpa >> PAGE_SHIFT) - s->base_gfn) * PAGE_SIZE +
					  offset_in_page(gpa)) : NULL;
		mutex_unlock(&vm->mmu.lock);
		if (!hva)
			return -EFAULT;
		left = write ? copy_to_user(hva, data, chunk) : copy_from_user(data, hva, chunk);
		if (left)
			return -EFAULT;
		if (write)
			mmu_mark_written(&vm->mmu, gpa >> PAGE_SHIFT, (unsigned long)hva);
		gpa += chunk;
		data += chunk;
		len -= chunk;
	}
	return 0;
}

/**
 * mmu_update_guest_entry() - compare and exchange a guest paging entry
 * @vm: the VM
 * @gpa: the entry's guest-physical address, aligned to @size
 * @old: the value the walk read
 * @new: the value to store (@old with A, or A and D, set)
 * @size: 4 (32-bit paging) or 8 bytes
 *
 * Atomic against the guest's other vCPUs and the VMM, which may change
 * the entry meanwhile (a LOCK CMPXCHG on the slot's user mapping, as the
 * CPU's own update is a locked operation: SDM Vol. 3A, "Accessed and
 * Dirty Flags"). An entry in a KVM_MEM_READONLY slot is left as it is,
 * as KVM does: a ROM cannot take the update, and the guest's access goes
 * on. A changed page is marked in the dirty log.
 *
 * Return: 0 when stored or left alone; 1 when the entry no longer holds
 * @old (the caller walks again); -EFAULT when no slot backs @gpa or the
 * mapping faults.
 */
int mmu_update_guest_entry(struct minikvm_vm *vm, u64 gpa, u64 old, u64 new, unsigned int size)
{
	struct mmu_slot *s;
	unsigned long hva;
	int ret;

	if ((size != 4 && size != 8) || !IS_ALIGNED(gpa, size))
		return -EFAULT;
	mutex_lock(&vm->mmu.lock);
	s = mmu_find_slot(&vm->mmu, gpa >> PAGE_SHIFT);
	if (s && (s->flags & KVM_MEM_READONLY)) {
		mutex_unlock(&vm->mmu.lock);
		return 0;
	}
	hva = s ? s->userspace_addr + ((gpa >> PAGE_SHIFT) - s->base_gfn) * PAGE_SIZE +
		  offset_in_page(gpa) : 0;
	mutex_unlock(&vm->mmu.lock);
	if (!hva || !access_ok((void __user *)hva, size))
		return -EFAULT;
	if (size == 8) {
		u64 __user *p = (u64 __user *)hva;

		ret = __try_cmpxchg_user(p, &old, new, efault8);
	} else {
		u32 __user *p = (u32 __user *)hva;
		u32 o = old;

		ret = __try_cmpxchg_user(p, &o, (u32)new, efault4);
	}
	if (ret < 0)
		return -EFAULT;
	if (!ret)
		mmu_mark_written(&vm->mmu, gpa >> PAGE_SHIFT, hva);
	return ret;
}

int mmu_read_guest(struct minikvm_vm *vm, u64 gpa, void *data, unsigned long len)
{
	return mmu_copy_guest(vm, gpa, data, len, false);
}

int mmu_write_guest(struct minikvm_vm *vm, u64 gpa, const void *data, unsigned long len)
{
	return mmu_copy_guest(vm, gpa, (void *)data, len, true);
}

/*
 * The highest GFN a slot may hold. As KVM's kvm_mmu_max_gfn() with EPT:
 * the host's MAXPHYADDR from CPUID (the CPU never hands a wider GPA to
 * the EPT); and no more than the 48 bits a 4-level EPT indexes, where
 * KVM would use 5 levels (Documentation/memory.rst).
 */
static u64 mmu_max_gfn(void)
{
	unsigned int bits = boot_cpu_data.x86_phys_bits;

	if (boot_cpu_data.extended_cpuid_level >= 0x80000008)
		bits = cpuid_eax(0x80000008) & 0xff;
	return (1ull << (min(bits, 48u) - PAGE_SHIFT)) - 1;
}

int mmu_vm_init(struct minikvm_vm *vm)
{
	struct mmu_vm *mmu = &vm->mmu;

	mutex_init(&mmu->lock);
	mmu->mm = vm->mm;
	mmu->max_gfn = mmu_max_gfn();
	mmu->ept_root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!mmu->ept_root)
		return -ENOMEM;
	/* SDM Vol. 3C, "Extended-Page-Table Pointer (EPTP)": WB tables, 4 levels. */
	mmu->eptp = __pa(mmu->ept_root) | VMX_EPTP_PWL_4 | VMX_EPTP_MT_WB;
	return 0;
}

void mmu_vm_destroy(struct minikvm_vm *vm)
{
	struct mmu_vm *mmu = &vm->mmu;
	int i;

	/* No vCPU can run any more; cached translations must still go. */
	ept_flush_all_cpus(mmu);
	for (i = 0; i < MINIKVM_USER_MEM_SLOTS; i++)
		mmu_slot_release(mmu, &mmu->slots[i]);
	ept_free_tables(mmu);
	WARN_ON_ONCE(mmu->pages_pinned);
}
