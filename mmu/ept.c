// SPDX-License-Identifier: GPL-2.0
/*
 * EPT tables: the CPU's GPA -> HPA translation, built lazily (one 4 KiB
 * mapping per EPT violation), removed when slots change, and flushed from
 * every CPU's TLB with INVEPT.
 *
 * Entry format, SDM Vol. 3C, "EPT Translation Mechanism": bits 2:0 read,
 * write, execute; in a leaf, bits 5:3 the memory type and bit 6 "ignore
 * PAT"; bits 51:12 the address. Guest RAM is write-back with the guest's
 * PAT ignored, as KVM maps RAM when no device does DMA into the guest.
 *
 * Environment: mmu->lock held, except ept_flush_all_cpus().
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/vmx.h>

#include "../core/minikvm.h"
#include "../vmx/capability.h"
#include "../vmx/vmx_ops.h"

#define EPT_R		BIT_ULL(0)
#define EPT_W		BIT_ULL(1)
#define EPT_X		BIT_ULL(2)
#define EPT_MT_WB	(6ull << 3)
#define EPT_IPAT	BIT_ULL(6)
#define EPT_ADDR_MASK	GENMASK_ULL(51, 12)
/*
 * An MMIO mark: write-only is a misconfiguration (SDM Vol. 3C, "EPT
 * Misconfigurations": bit 0 clear with bit 1 set), so the next access to
 * the page exits as reason 49 without a walk of the slots; bit 52 (ignored
 * by the CPU) says it is ours.
 */
#define EPT_MMIO_MARK	(BIT_ULL(52) | EPT_W)
#define EPT_LEVELS	4

static unsigned int ept_index(u64 gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

/* The leaf slot for @gpa, allocating tables on the way when @alloc. */
static u64 *ept_walk(struct mmu_vm *mmu, u64 gpa, bool alloc)
{
	u64 *table = mmu->ept_root;
	int level;

	for (level = EPT_LEVELS; level > 1; level--) {
		u64 *e = &table[ept_index(gpa, level)];

		if (!(*e & (EPT_R | EPT_W | EPT_X))) {
			u64 *next;

			if (!alloc)
				return NULL;
			next = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
			if (!next)
				return NULL;
			/* Non-leaf entries allow everything: leaves decide. */
			WRITE_ONCE(*e, __pa(next) | EPT_R | EPT_W | EPT_X);
		}
		table = __va(*e & EPT_ADDR_MASK);
	}
	return &table[ept_index(gpa, 1)];
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
	u64 *leaf = ept_walk(mmu, gpa, true);

	if (!leaf)
		return -ENOMEM;
	WRITE_ONCE(*leaf, (hpa & EPT_ADDR_MASK) | EPT_R | (writable ? EPT_W : 0) |
		   (executable ? EPT_X : 0) | EPT_MT_WB | EPT_IPAT);
	return 0;
}

/* Mark a page with no slot behind it as MMIO. */
int ept_mark_mmio(struct mmu_vm *mmu, u64 gpa)
{
	u64 *leaf = ept_walk(mmu, gpa, true);

	if (!leaf)
		return -ENOMEM;
	WRITE_ONCE(*leaf, EPT_MMIO_MARK);
	return 0;
}

bool ept_is_mmio(struct mmu_vm *mmu, u64 gpa)
{
	u64 *leaf = ept_walk(mmu, gpa, false);

	return leaf && *leaf == EPT_MMIO_MARK;
}

/* Drop write permission from one mapped page; the caller flushes. */
void ept_write_protect(struct mmu_vm *mmu, u64 gfn)
{
	u64 *leaf = ept_walk(mmu, gfn << PAGE_SHIFT, false);

	if (leaf && *leaf != EPT_MMIO_MARK)
		WRITE_ONCE(*leaf, *leaf & ~EPT_W);
}

/* Clear the leaves of a GFN range; the caller flushes afterwards. */
void ept_zap_range(struct mmu_vm *mmu, u64 gfn, u64 npages)
{
	u64 i;

	for (i = 0; i < npages; i++) {
		u64 *leaf = ept_walk(mmu, (gfn + i) << PAGE_SHIFT, false);

		if (leaf)
			WRITE_ONCE(*leaf, 0);
		if (!(i & 4095))
			cond_resched();
	}
}

static void ept_invept_this_cpu(void *data)
{
	struct mmu_vm *mmu = data;

	if (vmx_info.ept_vpid_cap & VMX_EPT_EXTENT_CONTEXT_BIT)
		vmx_invept(VMX_EPT_EXTENT_CONTEXT, mmu->eptp);
	else
		vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0);
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
	on_each_cpu(ept_invept_this_cpu, mmu, 1);
}

static void ept_free_level(u64 *table, int level)
{
	int i;

	if (level > 1)
		for (i = 0; i < 512; i++)
			if (table[i] & (EPT_R | EPT_W | EPT_X))
				ept_free_level(__va(table[i] & EPT_ADDR_MASK), level - 1);
	free_page((unsigned long)table);
}

void ept_free_tables(struct mmu_vm *mmu)
{
	if (mmu->ept_root)
		ept_free_level(mmu->ept_root, EPT_LEVELS);
	mmu->ept_root = NULL;
}
