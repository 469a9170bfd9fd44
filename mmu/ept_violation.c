// SPDX-License-Identifier: GPL-2.0
/*
 * What happens on an EPT violation: the guest touched a guest-physical
 * address the EPT does not map, or maps without the access it needs.
 *
 *  1. The CPU exits with reason 48; the exit qualification says which
 *     access (bit 0 read, 1 write, 2 fetch) and what the EPT allowed (bits
 *     5:3), GUEST_PHYSICAL_ADDRESS which address (SDM Vol. 3C, "Exit
 *     Qualification for EPT Violations").
 *  2. mmu_find_slot(): which memory slot holds that GFN (GPA -> HVA).
 *     None: the access is MMIO. ept_mark_mmio() leaves a misconfigured
 *     entry so the next access takes the cheaper EPT-misconfiguration exit
 *     (mmu/ept_misconfig.c), and mmio_emulate() (mmu/mmio.c) decodes the
 *     instruction and exits to userspace with KVM_EXIT_MMIO.
 *  3. A write to a KVM_MEM_READONLY slot is MMIO too, as in KVM.
 *  4. Otherwise pin the VMM's page: pin_user_pages_fast() faults it into
 *     the VMM's address space (HVA -> HPA), and it stays pinned until
 *     the slot goes. An HVA the VMM has unmapped gives -EFAULT from
 *     KVM_RUN, as in KVM.
 *  5. ept_map_page() writes the EPT leaf (GPA -> HPA). In a slot with
 *     dirty logging, a page is mapped writable only on a write, which sets
 *     its bit in the dirty bitmap (mmu/dirty_log.c write-protects it
 *     again when the bitmap is read).
 *  6. RESUME_GUEST: the CPU retries the access, which now succeeds.
 *
 * Environment: vCPU thread, preemptible.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <asm/vmx.h>

#include "../core/minikvm.h"
#include "../core/observe.h"
#include "../vmx/exit.h"
#include "../vmx/vmx_ops.h"

#define EPT_QUAL_WRITE		BIT(1)
#define EPT_QUAL_NMI_UNBLOCK	BIT(12)

/*
 * SDM Vol. 3C, "Exit Qualification for EPT Violations", bit 12: the
 * violation hit an IRET that had unblocked NMIs; with virtual NMIs the
 * VMM must block them again before resuming.
 */
static void ept_restore_nmi_blocking(struct minikvm_vcpu *vcpu)
{
	if ((vcpu->vmx.exit.qualification & EPT_QUAL_NMI_UNBLOCK) &&
	    (vcpu->vmx.ctls.pin & PIN_BASED_VIRTUAL_NMIS) &&
	    !(vmcs_read32(IDT_VECTORING_INFO_FIELD) & VECTORING_INFO_VALID_MASK))
		vmcs_set_bits32(GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_NMI);
}

/* Step 4: the slot's page for @idx, pinned on first use. mmu->lock held. */
static int ept_pin_page(struct mmu_vm *mmu, struct mmu_slot *slot, u64 idx, struct page **page)
{
	unsigned int flags = FOLL_LONGTERM;
	int ret;

	*page = slot->pages[idx];
	if (*page)
		return 0;
	/* A read-only slot may be backed by a read-only mapping. */
	if (!(slot->flags & KVM_MEM_READONLY))
		flags |= FOLL_WRITE;
	/* FOLL_LONGTERM: migrate out of CMA/movable zones first. */
	ret = pin_user_pages_fast(slot->userspace_addr + idx * PAGE_SIZE, 1, flags, page);
	if (ret != 1)
		return ret < 0 ? ret : -EFAULT;
	slot->pages[idx] = *page;
	mmu->pages_pinned++;
	return 0;
}

/**
 * handle_ept_violation() - fault a guest page in, or hand MMIO to userspace
 * @vcpu: the vCPU
 *
 * Return: RESUME_GUEST; EXIT_TO_USER for MMIO (KVM_EXIT_MMIO, or an
 * emulation-failure internal error); -EFAULT when the slot's host memory
 * is gone; -ENOMEM.
 */
int handle_ept_violation(struct minikvm_vcpu *vcpu)
{
	struct mmu_vm *mmu = &vcpu->vm->mmu;
	u64 gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	bool write = vcpu->vmx.exit.qualification & EPT_QUAL_WRITE;
	u64 gfn = gpa >> PAGE_SHIFT;
	struct mmu_slot *slot;
	struct page *page;
	bool writable;
	u64 idx;
	int ret;

	minikvm_note_ept_violation(vcpu, gpa);
	ept_restore_nmi_blocking(vcpu);
	mutex_lock(&mmu->lock);
	slot = mmu_find_slot(mmu, gfn);
	if (!slot || (write && (slot->flags & KVM_MEM_READONLY))) {
		/* Without the mark (no memory for a table) MMIO still works, slower. */
		if (!slot)
			ept_mark_mmio(mmu, gpa & PAGE_MASK);
		mutex_unlock(&mmu->lock);
		return mmio_emulate(vcpu, gpa);
	}
	idx = gfn - slot->base_gfn;
	ret = ept_pin_page(mmu, slot, idx, &page);
	if (ret) {
		mutex_unlock(&mmu->lock);
		return ret;
	}
	writable = !(slot->flags & KVM_MEM_READONLY);
	if (slot->dirty_bitmap) {
		/* Logged pages become writable only by being written. */
		writable = write;
		if (write)
			__set_bit(idx, slot->dirty_bitmap);
	}
	ret = ept_map_page(mmu, gfn << PAGE_SHIFT, page_to_phys(page), writable, true);
	mutex_unlock(&mmu->lock);
	minikvm_note_ept_map(vcpu, ret, PG_LEVEL_4K);
	return ret ? ret : RESUME_GUEST;
}
