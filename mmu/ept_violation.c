// SPDX-License-Identifier: GPL-2.0
/*
 * What happens on an EPT violation: the guest touched a guest-physical
 * address the EPT does not map, or maps without the access it needs.
 *
 *  1. The CPU exits with reason 48. vmx/exit_ept.c turns the exit
 *     qualification (which access, what the EPT allowed) into KVM's
 *     page-fault error-code bits and calls mmu_page_fault() with the
 *     address: PFERR_WRITE_MASK is all this file needs.
 *  2. mmu_find_slot(): which memory slot holds that GFN (GPA -> HVA).
 *     None: the access is MMIO, except at the xAPIC base with
 *     virtualized APIC accesses (ept_apic_access_gfn()). ept_mark_mmio() leaves a misconfigured
 *     entry so the next access takes the cheaper EPT-misconfiguration exit
 *     (mmu/ept_misconfig.c), and mmu_mmio_emulate() (mmu/mmio.c) decodes the
 *     instruction and exits to userspace with KVM_EXIT_MMIO.
 *  3. A write to a KVM_MEM_READONLY slot is MMIO too, as in KVM.
 *  4. Otherwise pin the VMM's page: pin_user_pages_fast() faults it into
 *     the VMM's address space (HVA -> HPA), without mmu->lock held (and
 *     waiting for the VMM's userfaultfd handler, as KVM does), and it
 *     stays pinned until the slot goes. An HVA the VMM has unmapped
 *     gives -EFAULT from KVM_RUN, as in KVM.
 *  5. ept_map_page() writes the EPT leaf (GPA -> HPA), or ept_map_large()
 *     a 2 MiB leaf when the host backs the range with one 2 MiB page
 *     (ept_pin_large() says when). In a slot with
 *     dirty logging, a page is mapped writable only on a write, which sets
 *     its bit in the dirty bitmap (mmu/dirty_log.c write-protects it
 *     again when the bitmap is read).
 *  6. RESUME_GUEST: the CPU retries the access, which now succeeds.
 *
 * Environment: vCPU thread, preemptible.
 */
#include <linux/io.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "core/minikvm.h"
#include "core/observe.h"
#include "uapi/minikvm.h"

/*
 * Step 4a: pin the page at @hva. A long-term pin cannot wait for the
 * VMM's own fault handling (GUP gives FOLL_LONGTERM no retry, so a
 * userfaultfd region answers -EFAULT at once); when it fails, the page
 * is faulted in the way KVM faults it, waiting as long as the handler
 * takes (until killed), and pinned again. A page that is there, or that
 * the fault path can bring in itself, costs the first try only.
 */
static int ept_pin_hva(unsigned long hva, unsigned int flags, struct page **page)
{
	struct page *tmp;
	long ret = pin_user_pages_fast(hva, 1, flags, page);

	if (ret == -EFAULT) {
		ret = get_user_pages_unlocked(hva, 1, &tmp, flags & FOLL_WRITE);
		if (ret == 1) {
			put_page(tmp);
			ret = pin_user_pages_fast(hva, 1, flags, page);
		}
	}
	if (ret == 1)
		return 0;
	return ret < 0 ? ret : -EFAULT;
}

/*
 * Step 4: the slot's page for @idx, pinned on first use. Called and
 * returns with mmu->lock held, but drops it around the pin: faulting the
 * page in may sleep as long as the VMM's own fault handling takes (a
 * userfaultfd region waits for its handler), and other threads' slot
 * ioctls and other vCPUs' faults must not wait for that. Afterwards the
 * slots are checked again: if any changed meanwhile the pin is dropped
 * and -EAGAIN tells the caller to let the guest fault again. The page is
 * charged to the VMM's RLIMIT_MEMLOCK before it is pinned, and the charge
 * goes with the pin (-ENOMEM past the limit: KVM_RUN fails with it).
 */
static int ept_pin_page(struct mmu_vm *mmu, struct mmu_slot *slot, u64 idx, struct page **page)
{
	unsigned long hva = slot->userspace_addr + idx * PAGE_SIZE;
	unsigned int flags = FOLL_LONGTERM;
	u64 generation = mmu->generation;
	struct page *existing, *pinned;
	int ret;

	*page = mmu_slot_page(slot, idx);
	if (*page)
		return 0;
	/* A read-only slot may be backed by a read-only mapping. */
	if (!(slot->flags & KVM_MEM_READONLY))
		flags |= FOLL_WRITE;
	ret = mmu_charge_pinned(mmu, 1);
	if (ret)
		return ret;
	mutex_unlock(&mmu->lock);
	/* FOLL_LONGTERM: migrate out of CMA/movable zones first. */
	ret = ept_pin_hva(hva, flags, &pinned);
	mutex_lock(&mmu->lock);
	if (ret)
		goto uncharge;
	existing = mmu_slot_page(slot, idx);
	if (mmu->generation != generation) {
		ret = -EAGAIN;
	} else if (!existing) {
		ret = mmu_slot_set_page(slot, idx, pinned);
		if (!ret) {
			mmu->pages_pinned++;
			*page = pinned;
			return 0;
		}
	}
	/* Slots changed, no memory, or another vCPU pinned it: one pin per page. */
	unpin_user_page(pinned);
	*page = existing;
uncharge:
	mmu_uncharge_pinned(mmu, 1);
	return ret;
}

#define EPT_LARGE_ORDER		(PMD_SHIFT - PAGE_SHIFT)	/* 2 MiB in 4 KiB pages */
#define EPT_LARGE_PAGES		(1u << EPT_LARGE_ORDER)
#define EPT_LARGE_PAGES_MASK	(EPT_LARGE_PAGES - 1ull)

/*
 * Step 5b: can the 2 MiB of guest memory around @gfn be one EPT leaf? It
 * must lie wholly in the slot, the slot's HVA must be congruent to its GPA
 * modulo 2 MiB, and the host must back it with one physically contiguous,
 * aligned 2 MiB page (a THP or hugetlbfs page). @page, already pinned,
 * says cheaply whether the host page is big enough to try; then the whole
 * range is pinned and checked page by page, since a THP can be mapped
 * partly elsewhere. The pin never faults anything in (GUP-fast only):
 * mmu->lock is held, and a range not all mapped is no 2 MiB page. On
 * success every page of the range is pinned and recorded in slot->pages.
 * A page that cannot be recorded (no memory for its chunk, or past
 * RLIMIT_MEMLOCK) is unpinned and the range is mapped 4 KiB at a time.
 */
static bool ept_pin_large(struct mmu_vm *mmu, struct mmu_slot *slot, u64 gfn, struct page *page)
{
	u64 base = gfn & ~EPT_LARGE_PAGES_MASK, first = base - slot->base_gfn;
	unsigned long hva = slot->userspace_addr + first * PAGE_SIZE;
	unsigned int flags = FOLL_LONGTERM, i;
	struct page **tmp;
	bool ok;
	int n;

	if (base < slot->base_gfn || base + EPT_LARGE_PAGES > slot->base_gfn + slot->npages ||
	    (hva & (EPT_LARGE_PAGES * PAGE_SIZE - 1)) ||
	    compound_order(compound_head(page)) < EPT_LARGE_ORDER)
		return false;
	tmp = kmalloc_array(EPT_LARGE_PAGES, sizeof(*tmp), GFP_KERNEL);
	if (!tmp)
		return false;
	if (!(slot->flags & KVM_MEM_READONLY))
		flags |= FOLL_WRITE;
	n = pin_user_pages_fast_only(hva, EPT_LARGE_PAGES, flags, tmp);
	ok = n == EPT_LARGE_PAGES && IS_ALIGNED(page_to_pfn(tmp[0]), EPT_LARGE_PAGES);
	for (i = 1; ok && i < EPT_LARGE_PAGES; i++)
		ok = page_to_pfn(tmp[i]) == page_to_pfn(tmp[0]) + i;
	for (i = 0; i < max(n, 0); i++) {
		/* Keep one pin per recorded page: drop duplicates and failures. */
		if (ok && !mmu_slot_page(slot, first + i)) {
			ok = !mmu_charge_pinned(mmu, 1);
			if (ok && mmu_slot_set_page(slot, first + i, tmp[i])) {
				mmu_uncharge_pinned(mmu, 1);
				ok = false;
			}
			if (!ok)
				unpin_user_page(tmp[i]);
			else
				mmu->pages_pinned++;
		} else {
			unpin_user_page(tmp[i]);
		}
	}
	kfree(tmp);
	return ok;
}

/*
 * Step 2a: with virtualized APIC accesses (vm->apicv), the xAPIC base
 * outside every slot maps the VM's APIC-access page, whose accesses the
 * CPU then virtualizes instead of faulting (SDM Vol. 3C, "Virtualizing
 * Memory-Mapped APIC Accesses"). Executable too, so that a fetch from it
 * reaches the CPU's APIC-access check and exits as such, rather than
 * faulting here again and again.
 */
static bool ept_apic_access_gfn(struct minikvm_vm *vm, u64 gfn)
{
	return gfn == APIC_DEFAULT_PHYS_BASE >> PAGE_SHIFT && vm->apic_access_page &&
	       (READ_ONCE(vm->apicv) & MINIKVM_APICV_APIC_ACCESS);
}

/**
 * mmu_page_fault() - fault a guest page in, or hand MMIO to userspace
 * @vcpu: the vCPU
 * @gpa: the guest-physical address the access needed
 * @access: PFERR_* bits of <asm/kvm_host.h>: what the access was
 *
 * Return: RESUME_GUEST; EXIT_TO_USER for MMIO (KVM_EXIT_MMIO, or an
 * emulation-failure internal error); -EFAULT when the slot's host memory
 * is gone; -ENOMEM.
 */
int mmu_page_fault(struct minikvm_vcpu *vcpu, u64 gpa, u64 access)
{
	struct mmu_vm *mmu = &vcpu->vm->mmu;
	bool write = access & PFERR_WRITE_MASK;
	u64 gfn = gpa >> PAGE_SHIFT;
	struct mmu_slot *slot;
	struct page *page;
	bool writable;
	u64 idx;
	int ret, level;

	mutex_lock(&mmu->lock);
	slot = mmu_find_slot(mmu, gfn);
	if (!slot && ept_apic_access_gfn(vcpu->vm, gfn)) {
		ret = ept_map_page(mmu, gfn << PAGE_SHIFT,
				   page_to_phys(vcpu->vm->apic_access_page), true, true);
		mutex_unlock(&mmu->lock);
		return ret ? ret : RESUME_GUEST;
	}
	if (!slot || (write && (slot->flags & KVM_MEM_READONLY))) {
		/* Without the mark (no memory for a table) MMIO still works, slower. */
		if (!slot)
			ept_mark_mmio(mmu, gpa & PAGE_MASK);
		mutex_unlock(&mmu->lock);
		return mmu_mmio_emulate(vcpu, gpa);
	}
	idx = gfn - slot->base_gfn;
	ret = ept_pin_page(mmu, slot, idx, &page);
	if (ret) {
		mutex_unlock(&mmu->lock);
		return ret == -EAGAIN ? RESUME_GUEST : ret;
	}
	writable = !(slot->flags & KVM_MEM_READONLY);
	if (slot->dirty_bitmap) {
		/* Logged pages become writable only by being written. */
		writable = write;
		if (write)
			__set_bit(idx, slot->dirty_bitmap);
	}
	level = PG_LEVEL_4K;
	if (!slot->dirty_bitmap && ept_pin_large(mmu, slot, gfn, page)) {
		u64 base = gfn & ~EPT_LARGE_PAGES_MASK;
		struct page *head = mmu_slot_page(slot, base - slot->base_gfn);

		ret = ept_map_large(mmu, base << PAGE_SHIFT, page_to_phys(head), writable);
		if (!ret)
			level = PG_LEVEL_2M;
	}
	if (level == PG_LEVEL_4K)
		ret = ept_map_page(mmu, gfn << PAGE_SHIFT, page_to_phys(page), writable, true);
	mutex_unlock(&mmu->lock);
	minikvm_note_ept_map(vcpu, ret, level);
	return ret ? ret : RESUME_GUEST;
}
