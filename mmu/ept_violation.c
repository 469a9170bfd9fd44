// SPDX-License-Identifier: GPL-2.0
/*
 * What happens on an EPT violation: the guest touched a guest-physical
 * address the EPT does not map (or maps without the access it needs).
 *
 *  1. The CPU exits with reason 48; the exit qualification says which
 *     access (read/write/fetch) and the GUEST_PHYSICAL_ADDRESS field the
 *     address (SDM Vol. 3C, "Exit Qualification for EPT Violations").
 *  2. mmu_find_slot(): which memory slot holds that GFN. None: the access
 *     is MMIO, which needs the instruction decoder (not yet: KVM_RUN ends
 *     with KVM_EXIT_INTERNAL_ERROR, emulation suberror).
 *  3. The slot gives the HVA; pin_user_pages_fast() faults the page into
 *     the VMM's address space and pins it (HVA -> HPA). An HVA the VMM
 *     has unmapped gives -EFAULT from KVM_RUN, as in KVM.
 *  4. ept_map_page() writes the EPT leaf (GPA -> HPA).
 *  5. RESUME_GUEST: the CPU retries the access, which now succeeds.
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

/**
 * handle_ept_violation() - fault a guest page in
 * @vcpu: the vCPU
 *
 * Return: RESUME_GUEST; EXIT_TO_USER with an internal error for a GPA no
 * slot covers; -EFAULT when the slot's host memory is gone; -ENOMEM.
 */
int handle_ept_violation(struct minikvm_vcpu *vcpu)
{
	struct mmu_vm *mmu = &vcpu->vm->mmu;
	u64 gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	u64 gfn = gpa >> PAGE_SHIFT;
	struct mmu_slot *slot;
	struct page *page;
	u64 idx;
	int ret;

	minikvm_note_ept_violation(vcpu, gpa);
	ept_restore_nmi_blocking(vcpu);
	mutex_lock(&mmu->lock);
	slot = mmu_find_slot(mmu, gfn);
	if (!slot) {
		mutex_unlock(&mmu->lock);
		minikvm_note_mmio(vcpu, gpa, 0, vcpu->vmx.exit.qualification & EPT_VIOLATION_ACC_WRITE);
		ret = vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION);
		vcpu->run->internal.data[1] = gpa;
		return ret;
	}
	idx = gfn - slot->base_gfn;
	page = slot->pages[idx];
	if (!page) {
		/* FOLL_LONGTERM: migrate out of CMA/movable zones first. */
		ret = pin_user_pages_fast(slot->userspace_addr + idx * PAGE_SIZE, 1,
					  FOLL_WRITE | FOLL_LONGTERM, &page);
		if (ret != 1) {
			mutex_unlock(&mmu->lock);
			return ret < 0 ? ret : -EFAULT;
		}
		slot->pages[idx] = page;
		mmu->pages_pinned++;
	}
	ret = ept_map_page(mmu, gfn << PAGE_SHIFT, page_to_phys(page), true, true);
	mutex_unlock(&mmu->lock);
	minikvm_note_ept_map(vcpu, ret, PG_LEVEL_4K);
	return ret ? ret : RESUME_GUEST;
}
