// SPDX-License-Identifier: GPL-2.0
/*
 * EPT tables: the CPU's GPA -> HPA translation, built lazily (one mapping
 * per EPT violation, 4 KiB or 2 MiB), removed when slots change, and
 * flushed from every CPU's TLB by the vendor (minikvm_flush_guest_tlb()).
 *
 * Entry format, SDM Vol. 3C, "EPT Translation Mechanism": bits 2:0 read,
 * write, execute; bit 7 in a level-2 entry maps a 2 MiB page; in a leaf,
 * bits 5:3 the memory type and bit 6 "ignore PAT"; bits 51:12 the
 * address. Guest RAM is write-back with the guest's PAT ignored, as KVM
 * maps RAM when no device does DMA into the guest.
 *
 * Environment: mmu->lock held, except ept_flush_all_cpus().
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/mtrr.h>
#include <asm/pgtable_types.h>
#include <asm/vmx.h>

#include "core/minikvm.h"

#define EPT_MT_WB	((u64)MTRR_TYPE_WRBACK << VMX_EPT_MT_EPTE_SHIFT)
#define EPT_LARGE	((u64)_PAGE_PSE)	/* bit 7, where x86 paging has PS too */
#define EPT_ADDR_MASK	GENMASK_ULL(51, 12)
#define EPT_LEVELS	4
#define EPT_GPA_BITS	(PAGE_SHIFT + 9 * EPT_LEVELS)	/* what 4 levels index: 48 */
/*
 * An MMIO mark: write-only is a misconfiguration (SDM Vol. 3C, "EPT
 * Misconfigurations": bit 0 clear with bit 1 set), so the next access to
 * the page exits as reason 49 without a walk of the slots; bit 52 (ignored
 * by the CPU) says it is ours.
 */
#define EPT_MMIO_MARK	(BIT_ULL(52) | VMX_EPT_WRITABLE_MASK)

static unsigned int ept_index(u64 gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

static bool ept_present(u64 e)
{
	return e & VMX_EPT_RWX_MASK;
}

static bool ept_is_leaf(u64 e, int level)
{
	return level == 1 || (e & EPT_LARGE);
}

/*
 * The entry for @gpa at @target level (1 = 4 KiB, 2 = 2 MiB), allocating
 * tables on the way when @alloc. Without @alloc the walk stops at the
 * first leaf or hole above @target: *level says where it stopped. A GPA
 * wider than the tables index has no entry (NULL), never the entry of
 * the low GPA its index bits alias.
 */
static u64 *ept_walk(struct mmu_vm *mmu, u64 gpa, int target, bool alloc, int *level)
{
	u64 *table = mmu->ept_root;
	int l;

	if (gpa >> EPT_GPA_BITS) {
		*level = EPT_LEVELS;
		return NULL;
	}

	for (l = EPT_LEVELS; l > target; l--) {
		u64 *e = &table[ept_index(gpa, l)];

		if (ept_present(*e) && ept_is_leaf(*e, l)) {
			if (!alloc) {
				*level = l;
				return e;
			}
			/* A 2 MiB leaf in the way of a 4 KiB mapping: drop it. */
			WRITE_ONCE(*e, 0);
			mmu->large_split = true;
		}
		if (!ept_present(*e)) {
			u64 *next;

			if (!alloc) {
				*level = l;
				return NULL;
			}
			next = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
			if (!next)
				return NULL;
			/* Non-leaf entries allow everything: leaves decide. */
			WRITE_ONCE(*e, __pa(next) | VMX_EPT_RWX_MASK);
		}
		table = __va(*e & EPT_ADDR_MASK);
	}
	*level = target;
	return &table[ept_index(gpa, target)];
}

static u64 ept_leaf(u64 hpa, bool writable, bool executable)
{
	return (hpa & EPT_ADDR_MASK) | VMX_EPT_READABLE_MASK | (writable ? VMX_EPT_WRITABLE_MASK : 0) |
	       (executable ? VMX_EPT_EXECUTABLE_MASK : 0) | EPT_MT_WB | VMX_EPT_IPAT_BIT;
}

/* Write a level-1 entry; flush if a 2 MiB leaf had to make room for it. */
static int ept_set_4k(struct mmu_vm *mmu, u64 gpa, u64 entry)
{
	int level;
	u64 *leaf = ept_walk(mmu, gpa, 1, true, &level);

	if (!leaf)
		return -ENOMEM;
	WRITE_ONCE(*leaf, entry);
	if (mmu->large_split) {
		mmu->large_split = false;
		ept_flush_all_cpus(mmu);
	}
	return 0;
}

/**
 * ept_map_page() - map one 4 KiB guest page
 * @mmu: the VM's MMU
 * @gpa: guest-physical address, page aligned
 * @hpa: host-physical address of the backing page
 * @writable: allow guest writes
 * @executable: allow guest instruction fetches
 *
 * Return: 0, or -ENOMEM when a table page cannot be allocated.
 */
int ept_map_page(struct mmu_vm *mmu, u64 gpa, u64 hpa, bool writable, bool executable)
{
	return ept_set_4k(mmu, gpa, ept_leaf(hpa, writable, executable));
}

/**
 * ept_map_large() - map one 2 MiB guest page with a single level-2 leaf
 * @mmu: the VM's MMU
 * @gpa: guest-physical address, 2 MiB aligned
 * @hpa: host-physical address of a 2 MiB-aligned, physically contiguous page
 * @writable: allow guest writes
 *
 * Return: 0; -EEXIST when 4 KiB mappings already live in that 2 MiB
 * (the caller maps 4 KiB instead); -ENOMEM.
 */
int ept_map_large(struct mmu_vm *mmu, u64 gpa, u64 hpa, bool writable)
{
	int level;
	u64 *e = ept_walk(mmu, gpa, 2, true, &level);

	if (!e)
		return -ENOMEM;
	if (ept_present(*e) && !(*e & EPT_LARGE))
		return -EEXIST;
	WRITE_ONCE(*e, ept_leaf(hpa, writable, true) | EPT_LARGE);
	return 0;
}

/* Mark a page with no slot behind it as MMIO. */
int ept_mark_mmio(struct mmu_vm *mmu, u64 gpa)
{
	return ept_set_4k(mmu, gpa, EPT_MMIO_MARK);
}

bool ept_is_mmio(struct mmu_vm *mmu, u64 gpa)
{
	int level;
	u64 *leaf = ept_walk(mmu, gpa, 1, false, &level);

	return leaf && level == 1 && *leaf == EPT_MMIO_MARK;
}

/**
 * ept_lookup() - the leaf mapping @gpa, for MINIKVM_TRANSLATE_CHAIN
 * @mmu: the VM's MMU
 * @gpa: guest-physical address
 * @entry: the leaf entry, 0 if none
 *
 * Return: the leaf's level (1 = 4 KiB, 2 = 2 MiB), or 0 when unmapped.
 */
int ept_lookup(struct mmu_vm *mmu, u64 gpa, u64 *entry)
{
	int level;
	u64 *e = ept_walk(mmu, gpa, 1, false, &level);

	*entry = e ? *e : 0;
	return e && ept_present(*e) ? level : 0;
}

/* Drop write permission from whatever maps @gfn; the caller flushes. */
void ept_write_protect(struct mmu_vm *mmu, u64 gfn)
{
	int level;
	u64 *leaf = ept_walk(mmu, gfn << PAGE_SHIFT, 1, false, &level);

	if (leaf && *leaf != EPT_MMIO_MARK)
		WRITE_ONCE(*leaf, *leaf & ~VMX_EPT_WRITABLE_MASK);
}

/*
 * Clear the leaves of a GFN range; the caller flushes afterwards. A 2 MiB
 * leaf that overlaps the range goes whole: its other pages fault back in.
 */
void ept_zap_range(struct mmu_vm *mmu, u64 gfn, u64 npages)
{
	u64 i = 0, steps = 0;

	while (i < npages) {
		int level;
		u64 *leaf = ept_walk(mmu, (gfn + i) << PAGE_SHIFT, 1, false, &level);
		u64 span = 1ull << (9 * (level - 1));

		if (leaf)
			WRITE_ONCE(*leaf, 0);
		/* Skip to the end of what this entry (or hole) covers. */
		i += span - ((gfn + i) & (span - 1));
		if (!(++steps & 4095))
			cond_resched();
	}
}

static void ept_flush_this_cpu(void *data)
{
	struct mmu_vm *mmu = data;

	minikvm_flush_guest_tlb(mmu->eptp);
}

/**
 * ept_flush_all_cpus() - drop cached translations of this EPT everywhere
 * @mmu: the VM's MMU
 *
 * Any CPU may hold them (a vCPU ran there). The IPI forces a running vCPU
 * out of the guest on that CPU, and on_each_cpu() waits, so when this
 * returns no CPU can use a removed mapping. Requires VMX on (a VM exists).
 */
void ept_flush_all_cpus(struct mmu_vm *mmu)
{
	on_each_cpu(ept_flush_this_cpu, mmu, 1);
}

static void ept_free_level(u64 *table, int level)
{
	int i;

	if (level > 1)
		for (i = 0; i < 512; i++)
			if (ept_present(table[i]) && !ept_is_leaf(table[i], level))
				ept_free_level(__va(table[i] & EPT_ADDR_MASK), level - 1);
	free_page((unsigned long)table);
}

void ept_free_tables(struct mmu_vm *mmu)
{
	if (mmu->ept_root)
		ept_free_level(mmu->ept_root, EPT_LEVELS);
	mmu->ept_root = NULL;
}
