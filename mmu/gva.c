// SPDX-License-Identifier: GPL-2.0
/*
 * The first step of the chain, GVA -> GPA: a walk of the guest's own page
 * tables in whatever paging mode it uses (SDM Vol. 3A, "Paging": 32-bit,
 * PAE and 4-level). Used where minikvm must follow a guest-linear address
 * itself: the memory operand of INS/OUTS (mmu_gva_access(), with the
 * access rights the CPU would have checked), fetching an MMIO instruction
 * (mmu_gva_copy(): the CPU has just fetched it), and KVM_TRANSLATE /
 * MINIKVM_TRANSLATE_CHAIN (mmu/translate.c).
 *
 * An emulated access sets the accessed flag of every entry it used, and
 * the dirty flag of the leaf for a write, as the CPU would have (SDM Vol.
 * 3A, "Accessed and Dirty Flags"): a guest that clears them to find the
 * pages used since (its page reclaim, its dirty tracking) must see the
 * VMM's INS as a store. The translation ioctls only look and set none.
 *
 * Environment: vCPU loaded (CR3 and the PDPTEs are the vendor's state).
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/kvm_host.h>
#include <asm/page.h>
#include <asm/pgtable_types.h>

#include "core/minikvm.h"

/* Bits 51:12 of a 64-bit entry; 32-bit paging uses 31:12 (31:22 for 4 MiB). */
#define PTE_ADDR	GENMASK_ULL(51, 12)

static int gva_read_pte(struct minikvm_vcpu *vcpu, u64 table, unsigned int idx,
			unsigned int size, u64 *pte)
{
	*pte = 0;
	return mmu_read_guest(vcpu->vm, table + idx * size, pte, size);
}

/**
 * mmu_gva_walk() - translate a guest-linear address, with what allowed it
 * @vcpu: the vCPU whose paging state is used
 * @gva: guest-linear address
 * @w: the result: GPA, effective R/W and U/S (all levels ANDed), the
 *     level of the leaf (1 = 4 KiB, 2 = 2/4 MiB, 3 = 1 GiB; 0 = no paging)
 *     and the leaf entry itself
 *
 * Return: 0; -EFAULT when an entry is not present or outside guest
 * memory (the guest would page-fault); -EINVAL for a non-canonical
 * address in long mode (the guest would take #GP).
 */
int mmu_gva_walk(struct minikvm_vcpu *vcpu, unsigned long gva, struct mmu_gva_walk *w)
{
	bool long_mode = minikvm_is_long_mode(vcpu);
	unsigned long cr4 = minikvm_read_cr4(vcpu);
	unsigned int levels, size, level;
	u64 table, pte;

	*w = (struct mmu_gva_walk) { .writable = true, .user = true };
	if (!(minikvm_read_cr0(vcpu) & X86_CR0_PG)) {
		w->gpa = long_mode ? gva : (u32)gva;
		return 0;
	}
	if (long_mode) {
		/* A non-canonical address has no translation: it would #GP. */
		if (!__is_canonical_address(gva, 48))
			return -EINVAL;
		levels = 4;
		size = 8;
		table = minikvm_read_cr3(vcpu) & PTE_ADDR;
	} else if (cr4 & X86_CR4_PAE) {
		/* The PDPTE the CPU loaded, not the one in memory now. */
		pte = minikvm_pdptr_read(vcpu, (u32)gva >> 30);
		if (!(pte & _PAGE_PRESENT))
			return -EFAULT;
		levels = 2;
		size = 8;
		table = pte & PTE_ADDR;
	} else {
		levels = 2;
		size = 4;
		table = minikvm_read_cr3(vcpu) & 0xfffff000;
		gva = (u32)gva;
	}

	for (level = levels; level >= 1; level--) {
		unsigned int shift = PAGE_SHIFT + (size == 8 ? 9 : 10) * (level - 1);
		unsigned int idx = (gva >> shift) & (size == 8 ? 511 : 1023);

		if (gva_read_pte(vcpu, table, idx, size, &pte) || !(pte & _PAGE_PRESENT))
			return -EFAULT;
		w->entry[w->nr_entries] = pte;
		w->entry_gpa[w->nr_entries++] = table + idx * size;
		w->entry_size = size;
		w->writable &= !!(pte & _PAGE_RW);
		w->user &= !!(pte & _PAGE_USER);
		/* A large page: 1 GiB/2 MiB (8-byte entries) or 4 MiB (CR4.PSE). */
		if (level > 1 && (pte & _PAGE_PSE) && (size == 8 || (cr4 & X86_CR4_PSE))) {
			u64 page_mask = (1ull << shift) - 1;

			w->gpa = ((size == 8 ? pte & PTE_ADDR : pte & 0xffc00000) & ~page_mask) |
				 (gva & page_mask);
			w->level = level;
			w->pte = pte;
			return 0;
		}
		table = size == 8 ? pte & PTE_ADDR : pte & 0xfffff000;
	}
	w->gpa = table | (gva & ~PAGE_MASK);
	w->level = 1;
	w->pte = pte;
	return 0;
}

/*
 * Set the accessed flag of each entry of @w, and the dirty flag of its
 * leaf for a write, where not set yet. Return: 0; 1 when an entry changed
 * since the walk (walk again); -EFAULT.
 */
static int gva_set_accessed_dirty(struct minikvm_vcpu *vcpu, const struct mmu_gva_walk *w,
				  bool write)
{
	unsigned int i;

	for (i = 0; i < w->nr_entries; i++) {
		u64 old = w->entry[i], new = old | _PAGE_ACCESSED;
		int ret;

		if (write && i == w->nr_entries - 1)
			new |= _PAGE_DIRTY;
		if (new == old)
			continue;
		ret = mmu_update_guest_entry(vcpu->vm, w->entry_gpa[i], old, new, w->entry_size);
		if (ret)
			return ret;
	}
	return 0;
}

int mmu_gva_to_gpa(struct minikvm_vcpu *vcpu, unsigned long gva, u64 *gpa)
{
	struct mmu_gva_walk w;
	int ret = mmu_gva_walk(vcpu, gva, &w);

	*gpa = w.gpa;
	return ret ? -EFAULT : 0;
}

/*
 * SDM Vol. 3A, "Access Rights": may an explicit data access made at CPL
 * @user (3) or supervisor (0-2) go through a translation with these
 * rights? Supervisor writes honour CR0.WP; supervisor accesses to user
 * pages are refused under CR4.SMAP unless EFLAGS.AC is set.
 */
static bool gva_allowed(struct minikvm_vcpu *vcpu, const struct mmu_gva_walk *w,
			bool write, bool user)
{
	if (!w->level)
		return true;
	if (user)
		return w->user && (w->writable || !write);
	if (w->user && (minikvm_read_cr4(vcpu) & X86_CR4_SMAP) &&
	    !(minikvm_get_rflags(vcpu) & X86_EFLAGS_AC))
		return false;
	return w->writable || !write || !(minikvm_read_cr0(vcpu) & X86_CR0_WP);
}

/*
 * Translate @gva for an explicit data access of the current CPL, or say
 * which exception the CPU would raise: #GP(0) for a non-canonical
 * address, else #PF with its error code (P when the page was present and
 * the rights refused, W for a write, U at CPL 3) and CR2.
 */
static int gva_translate(struct minikvm_vcpu *vcpu, unsigned long gva, bool write,
			 struct mmu_gva_walk *w, struct mmu_gva_fault *fault)
{
	bool user = minikvm_get_cpl(vcpu) == 3;
	int ret = mmu_gva_walk(vcpu, gva, w);

	if (!ret && gva_allowed(vcpu, w, write, user))
		return 0;
	if (ret == -EINVAL) {
		*fault = (struct mmu_gva_fault) { .vector = GP_VECTOR };
		return 1;
	}
	*fault = (struct mmu_gva_fault) {
		.vector = PF_VECTOR,
		.address = gva,
		.error_code = (ret ? 0 : PFERR_PRESENT_MASK) |
			      (write ? PFERR_WRITE_MASK : 0) | (user ? PFERR_USER_MASK : 0),
	};
	return 1;
}

/**
 * mmu_gva_access() - an emulated data access to guest-linear memory
 * @vcpu: the vCPU whose paging state, CPL and flags are used
 * @gva: the first guest-linear address
 * @buf: the kernel buffer
 * @len: bytes, at most one page's worth (an element of INS/OUTS)
 * @write: write @buf to the guest, else read into it
 * @fault: where the exception the guest must take is described
 *
 * Every page the access touches is translated and its rights checked
 * before any byte moves, so a faulting access changes nothing; then the
 * accessed and dirty flags of both walks are set (an entry that changed
 * meanwhile makes the whole access start again). A write
 * to a KVM_MEM_READONLY slot, or an access to a GPA no slot backs (MMIO),
 * is not emulated: minikvm reports an emulation failure where KVM would
 * make an MMIO exit (Documentation/memory.rst).
 *
 * Return: 0 when it was done; 1 when the guest must take @fault;
 * -EFAULT when guest-physical memory is not there to take it.
 */
int mmu_gva_access(struct minikvm_vcpu *vcpu, unsigned long gva, void *buf,
		   unsigned int len, bool write, struct mmu_gva_fault *fault)
{
	unsigned int first = min_t(unsigned int, len, PAGE_SIZE - offset_in_page(gva));
	struct mmu_gva_walk w[2];
	u64 gpa[2] = { 0, 0 };
	int ret;

	if (len > PAGE_SIZE)
		return -EFAULT;
	do {
		w[1].nr_entries = 0;
		ret = gva_translate(vcpu, gva, write, &w[0], fault);
		if (!ret && first < len)
			ret = gva_translate(vcpu, gva + first, write, &w[1], fault);
		if (ret)
			return ret;
		ret = gva_set_accessed_dirty(vcpu, &w[0], write);
		if (!ret)
			ret = gva_set_accessed_dirty(vcpu, &w[1], write);
		if (ret < 0)
			return -EFAULT;
	} while (ret && !fatal_signal_pending(current));
	if (ret)
		return -EFAULT;
	gpa[0] = w[0].gpa;
	gpa[1] = w[1].gpa;
	if (write)
		ret = mmu_write_guest(vcpu->vm, gpa[0], buf, first) ?:
		      (first < len ? mmu_write_guest(vcpu->vm, gpa[1], buf + first, len - first) : 0);
	else
		ret = mmu_read_guest(vcpu->vm, gpa[0], buf, first) ?:
		      (first < len ? mmu_read_guest(vcpu->vm, gpa[1], buf + first, len - first) : 0);
	return ret ? -EFAULT : 0;
}

/**
 * mmu_gva_copy() - copy between a buffer and guest-linear memory
 * @vcpu: the vCPU whose paging state is used
 * @gva: the first guest-linear address
 * @buf: the kernel buffer
 * @len: bytes to copy
 * @to_guest: write @buf to the guest, else read into it
 *
 * Page by page, each page translated on its own, stopping at the first
 * that has no translation or no memory behind it. No access rights are
 * checked: this is for the bytes of the instruction the CPU has just
 * fetched (mmu/mmio.c). The accessed flags of the walk are set as the
 * fetch set them (again, should the guest have cleared them since), and
 * the dirty flag too for a write.
 *
 * Return: the number of bytes copied (@len when all went).
 */
unsigned int mmu_gva_copy(struct minikvm_vcpu *vcpu, unsigned long gva, void *buf,
			  unsigned int len, bool to_guest)
{
	unsigned int done = 0;

	while (done < len) {
		unsigned int chunk = min_t(unsigned int, len - done,
					   PAGE_SIZE - offset_in_page(gva + done));
		struct mmu_gva_walk w;
		int ret;

		do {
			ret = mmu_gva_walk(vcpu, gva + done, &w);
			if (!ret)
				ret = gva_set_accessed_dirty(vcpu, &w, to_guest);
		} while (ret > 0 && !fatal_signal_pending(current));
		if (ret)
			break;
		ret = to_guest ? mmu_write_guest(vcpu->vm, w.gpa, buf + done, chunk) :
				 mmu_read_guest(vcpu->vm, w.gpa, buf + done, chunk);
		if (ret)
			break;
		done += chunk;
	}
	return done;
}
