// SPDX-License-Identifier: GPL-2.0
/*
 * A slot backed by 2 MiB host pages, with GPA and HVA both 2 MiB aligned,
 * is mapped with 2 MiB EPT entries (mmu/ept.c, mmu/ept_violation.c): the
 * pages_2m counter in debugfs rises by one per 2 MiB the guest touches.
 * KVM does this for THP-backed memory (host_pfn_mapping_level());
 * minikvm's counter is core/stats.c's pages_2m, summed over the vCPUs.
 *
 * The backing is anonymous memory with MADV_HUGEPAGE, touched by the VMM
 * first; /proc/self/smaps must show it as AnonHugePages, or the test
 * skips (no THP in this kernel, or none could be allocated).
 */
#include <stdio.h>
#include <unistd.h>
#include <sys/mman.h>

#include "minikvm_test.h"
#include "guest_util.h"
#include "mmu_guest.h"

#define HUGE		(2ull << 20)
#define SLOT_GPA	(2 * HUGE)
#define SLOT_SIZE	(2 * HUGE)

/* AnonHugePages of the mapping that contains @addr, in KiB; -1 if none. */
static long anon_huge_kb(void *addr)
{
	unsigned long start, end, a = (unsigned long)addr;
	char line[256];
	bool in = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = a >= start && a < end;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

TEST(thp_slot_gets_2m_mappings)
{
	const char *root = test_dev_is_minikvm() ? "/sys/kernel/debug/minikvm" :
						     "/sys/kernel/debug/kvm";
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	char dir[256];
	uint8_t *host;
	long long before, after;
	long kb;

	host = mmu_alloc(SLOT_SIZE, HUGE);
	if (madvise(host, SLOT_SIZE, MADV_HUGEPAGE))
		SKIP(return, "MADV_HUGEPAGE: no transparent huge pages (errno %d)", errno);
	for (uint64_t off = 0; off < SLOT_SIZE; off += 4096)
		host[off] = 1;
	kb = anon_huge_kb(host);
	TH_LOG("AnonHugePages of the slot memory: %ld kB", kb);
	if (kb < (long)(SLOT_SIZE >> 10))
		SKIP(return, "THP did not back the slot (AnonHugePages %ld kB)", kb);

	vm = vm_create(GUEST_MEM_SIZE);
	mmu_set_slot(vm, 1, 0, SLOT_GPA, host, SLOT_SIZE);
	vcpu = mmu_guest_create(vm, 0);
	ASSERT_EQ(0, test_stats_vm_dir(root, dir, sizeof(dir)));
	before = test_stats_read(dir, "pages_2m");
	ASSERT_LE(0, before);

	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(vcpu, MMU_TOUCH, SLOT_GPA, SLOT_SIZE, 7));
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(vcpu, MMU_VERIFY, SLOT_GPA, SLOT_SIZE, 7));
	EXPECT_EQ(0ull, mmu_guest_mbox(vcpu)->result);
	EXPECT_EQ((SLOT_GPA + 0x3000) ^ 7, *(uint64_t *)(host + 0x3000));

	after = test_stats_read(dir, "pages_2m");
	TH_LOG("pages_2m %lld -> %lld, pages_4k %lld", before, after,
	       test_stats_read(dir, "pages_4k"));
	/* Both 2 MiB halves of the slot, each one EPT entry. */
	EXPECT_LE(before + 2, after);
	vcpu_free(vcpu);
	vm_free(vm);
	munmap(host, SLOT_SIZE);
}

MINIKVM_TEST_MAIN
