// SPDX-License-Identifier: GPL-2.0
/*
 * Where a memory slot may lie (mmu/memslot.c): no GFN above the host's
 * MAXPHYADDR (CPUID 0x80000008 EAX[7:0]), as KVM's
 * kvm_arch_prepare_memory_region() rules with EPT. Before, minikvm took
 * slots anywhere up to 2^64, and its 4-level EPT, which indexes 48 bits,
 * aliased a slot at 2^48 onto GPA 0.
 *
 * A slot costs no kernel memory per page until the guest touches it: a
 * huge sparse slot (1 TiB of MAP_NORESERVE memory at GPA 0, less where
 * MAXPHYADDR is under 40 bits) is accepted, and VmallocUsed plus Slab grow by less
 * than 16 MiB on both devices (KVM allocates its 2 MiB-level metadata up
 * front: 2 MiB per TiB). Before, minikvm allocated 8 bytes per page at
 * once (2 GiB for 1 TiB), and such a slot failed with -ENOMEM.
 *
 * The check is against the host's MAXPHYADDR, the one the test reads
 * (this process runs on the host the device does). minikvm also stops at
 * 48 bits where MAXPHYADDR is wider (Documentation/memory.rst); those
 * cases skip on such hosts.
 */
#include <cpuid.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "minikvm_test.h"
#include "mmu_guest.h"

static unsigned int host_phys_bits(void)
{
	unsigned int a, b, c, d;

	if (__get_cpuid_max(0x80000000, NULL) < 0x80000008)
		return 36;
	__cpuid(0x80000008, a, b, c, d);
	return a & 0xff;
}

FIXTURE(slot_bounds) {
	struct kvm_vm *vm;
	void *mem;
	uint64_t top;		/* 1 << MAXPHYADDR */
};

FIXTURE_SETUP(slot_bounds)
{
	unsigned int bits = host_phys_bits();

	self->vm = vm_create(GUEST_MEM_SIZE);
	self->mem = mmu_alloc(2 * 4096, 4096);
	self->top = 1ull << bits;
	if (bits > 48 && test_dev_is_minikvm())
		SKIP(return, "MAXPHYADDR %u: minikvm's 4-level EPT stops at 48 bits", bits);
}

FIXTURE_TEARDOWN(slot_bounds)
{
	vm_free(self->vm);
}

TEST_F(slot_bounds, last_page_below_maxphyaddr_accepted)
{
	ASSERT_EQ(0, __mmu_set_slot(self->vm, 1, 0, self->top - 4096, self->mem, 4096));
	/* Delete and create again: the slot was really there. */
	ASSERT_EQ(0, __mmu_set_slot(self->vm, 1, 0, self->top - 4096, self->mem, 0));
	ASSERT_EQ(0, __mmu_set_slot(self->vm, 1, 0, self->top - 4096, self->mem, 4096));
}

TEST_F(slot_bounds, slot_at_or_across_maxphyaddr_rejected)
{
	EXPECT_EQ(-EINVAL, __mmu_set_slot(self->vm, 1, 0, self->top, self->mem, 4096));
	EXPECT_EQ(-EINVAL, __mmu_set_slot(self->vm, 1, 0, self->top - 4096, self->mem, 8192));
}

TEST_F(slot_bounds, slots_that_would_alias_low_gpas_rejected)
{
	static const uint64_t gpas[] = { 1ull << 48, (1ull << 48) + 0x100000, 1ull << 52,
					 1ull << 63, ~0xfffull - 0x1000 };

	for (unsigned int i = 0; i < ARRAY_SIZE(gpas); i++) {
		if (gpas[i] < self->top)
			continue;
		EXPECT_EQ(-EINVAL, __mmu_set_slot(self->vm, 1, 0, gpas[i], self->mem, 4096))
			TH_LOG("slot at 0x%llx", (unsigned long long)gpas[i]);
	}
	/* A rejected call changed nothing: the slot number is still free. */
	EXPECT_EQ(-EINVAL, __mmu_set_slot(self->vm, 1, 0, 0x400000, self->mem, 0));
}

static long kernel_alloc_kb(void)
{
	return test_meminfo_kb("VmallocUsed") + test_meminfo_kb("Slab");
}

TEST_F(slot_bounds, huge_sparse_slot_is_cheap)
{
	uint64_t size = self->top < (1ull << 40) ? self->top : 1ull << 40;
	long before, after;
	void *mem;

	ASSERT_GE(test_meminfo_kb("VmallocUsed"), 0);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	/* The slot starts at GPA 0, where vm_create() put its RAM. */
	ASSERT_EQ(0, __mmu_set_slot(self->vm, 0, 0, 0, self->vm->mem, 0));
	before = kernel_alloc_kb();
	ASSERT_EQ(0, __mmu_set_slot(self->vm, 1, 0, 0, mem, size))
		TH_LOG("a %llu GiB slot", (unsigned long long)(size >> 30));
	after = kernel_alloc_kb();
	TH_LOG("%llu GiB slot: VmallocUsed + Slab %+ld kB", (unsigned long long)(size >> 30),
	       after - before);
	EXPECT_LT(after - before, 16 * 1024);
	ASSERT_EQ(0, __mmu_set_slot(self->vm, 1, 0, 0, mem, 0));
	munmap(mem, size);
}

MINIKVM_TEST_MAIN
