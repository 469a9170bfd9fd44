// SPDX-License-Identifier: GPL-2.0
/*
 * The guest touches a large slot, one 8-byte write per 4 KiB page, and
 * every page reads back (mmu/ept_violation.c fault-in, mmu/ept.c table
 * growth): the VMM sees each guest pattern at the right host address,
 * then the guest sees each pattern the VMM wrote. A page mapped at the
 * wrong host page, or shared by two GPAs, breaks one of the two checks.
 *
 * Size: 256 MiB, or half of MemAvailable where that is less (the OOM
 * killer took the test in a small test VM); MMU_TOUCH_MB overrides. Its
 * 65536 faults fill up to 128 EPT page tables; 1 GiB (262144 faults)
 * took minutes of make check's wall time per device under Bochs. On the
 * debug kernel 64 MiB: there the fault path under KASAN and lockdep is
 * what counts, and 85000 faults on each device were the longest selftest
 * of make check-debug. The slot starts at 1 GiB: the EPT needs a second
 * 1 GiB entry, and the guest the second page directory of mmu_guest.c.
 */
#include <stdlib.h>
#include <time.h>
#include <sys/mman.h>

#include "minikvm_test.h"
#include "mmu_guest.h"

#define SLOT_GPA	(1ull << 30)

static uint64_t default_size_mb(void)
{
	long kb = test_meminfo_kb("MemAvailable");
	long mb = test_debug_kernel() ? 64 : 256;

	return kb >= 0 && kb / 2048 < mb ? kb / 2048 : mb;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The harness's 30 s default is too short at Bochs speed. */
FIXTURE(touch) {
	int unused;
};

FIXTURE_SETUP(touch)
{
}

FIXTURE_TEARDOWN(touch)
{
}

TEST_F_TIMEOUT(touch, every_page, 600)
{
	const char *env = getenv("MMU_TOUCH_MB");
	uint64_t size = (env ? strtoull(env, NULL, 0) : default_size_mb()) << 20;
	uint64_t npages = size >> 12, bad = 0;
	uint64_t seed1 = 0x1234ull << 48, seed2 = 0x8765ull << 48;
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu;
	uint8_t *host;
	double t0;

	ASSERT_LE(SLOT_GPA + size, MMU_MAPPED_TOP);
	host = mmu_alloc(size, 4096);
	mmu_set_slot(vm, 1, 0, SLOT_GPA, host, size);
	vcpu = mmu_guest_create(vm, 0);

	t0 = now();
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(vcpu, MMU_TOUCH, SLOT_GPA, size, seed1));
	TH_LOG("guest touched %llu pages in %.1f s", (unsigned long long)npages, now() - t0);

	for (uint64_t p = 0; p < npages; p++) {
		uint64_t *q = (uint64_t *)(host + (p << 12));

		if (*q != ((SLOT_GPA + (p << 12)) ^ seed1))
			bad++;
		*q = (SLOT_GPA + (p << 12)) ^ seed2;
	}
	EXPECT_EQ(0ull, bad);

	t0 = now();
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(vcpu, MMU_VERIFY, SLOT_GPA, size, seed2));
	EXPECT_EQ(0ull, mmu_guest_mbox(vcpu)->result);
	/* And the check itself can fail: every page differs from seed1 now. */
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(vcpu, MMU_VERIFY, SLOT_GPA, size, seed1));
	EXPECT_EQ(npages, mmu_guest_mbox(vcpu)->result);
	TH_LOG("guest verified twice in %.1f s", now() - t0);
	vcpu_free(vcpu);
	vm_free(vm);
	munmap(host, size);
}

MINIKVM_TEST_MAIN
