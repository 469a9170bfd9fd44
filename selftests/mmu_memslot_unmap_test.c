// SPDX-License-Identifier: GPL-2.0
/*
 * The VMM pulls slot memory out from under a guest that has touched it
 * (mmu/memslot.c header): munmap() or madvise(MADV_DONTNEED) while the
 * slot stays. The guest must never reach host memory that was freed, and
 * the host must not crash or WARN (the test VM's kernel log is judged
 * after every run).
 *
 * KVM follows the VMM's page tables through MMU notifiers: after
 * MADV_DONTNEED the guest sees fresh zero pages, shared with the VMM again;
 * after munmap a guest access makes KVM_RUN fail with EFAULT.
 *
 * minikvm pins a page on first guest touch and keeps it until the slot
 * goes (no MMU notifiers): a page the guest touched before keeps its old
 * contents for the guest in both cases; the VMM's new view is no longer
 * shared with it. A page the guest never touched behaves as in KVM.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "minikvm_test.h"
#include "mmu_guest.h"

#define SLOT_GPA	0x400000ull
#define SLOT_SIZE	0x10000ull
#define SEED		(0xabcdull << 48)

FIXTURE(unmap) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	uint64_t *host;
	bool unmapped;
};

FIXTURE_SETUP(unmap)
{
	self->vm = vm_create(GUEST_MEM_SIZE);
	self->host = mmu_alloc(SLOT_SIZE, 4096);
	for (uint64_t off = 0; off < SLOT_SIZE; off += 8)
		self->host[off / 8] = SEED ^ off;
	mmu_set_slot(self->vm, 1, 0, SLOT_GPA, self->host, SLOT_SIZE);
	self->vcpu = mmu_guest_create(self->vm, 0);
	/* The guest touches pages 0 and 1 (a read, then a write). */
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(self->vcpu, MMU_READ, SLOT_GPA, 0, 0));
	ASSERT_EQ(SEED, mmu_guest_mbox(self->vcpu)->result);
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(self->vcpu, MMU_WRITE, SLOT_GPA + 0x1000, 0, 0x4242));
	ASSERT_EQ(0x4242ull, self->host[0x1000 / 8]);
	self->unmapped = false;
}

FIXTURE_TEARDOWN(unmap)
{
	/* Deleting the slot and closing the VM must work after all this. */
	EXPECT_EQ(0, __mmu_set_slot(self->vm, 1, 0, SLOT_GPA, NULL, 0));
	vcpu_free(self->vcpu);
	vm_free(self->vm);
	if (!self->unmapped)
		munmap(self->host, SLOT_SIZE);
}

/*
 * One guest read. A failed KVM_RUN leaves the guest on the faulting load,
 * which would fault again: restart it so the next request is its own.
 */
static int guest_read(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t *val)
{
	int r = mmu_guest_op(vcpu, MMU_READ, gpa, 0, 0);

	*val = mmu_guest_mbox(vcpu)->result;
	if (r < 0)
		mmu_guest_restart(vcpu);
	return r;
}

TEST_F(unmap, madvise_dontneed)
{
	uint64_t val;

	ASSERT_EQ(0, madvise(self->host, SLOT_SIZE, MADV_DONTNEED));
	/* The VMM's own view is zero-filled now. */
	ASSERT_EQ(0ull, self->host[0]);

	ASSERT_EQ(KVM_EXIT_IO, guest_read(self->vcpu, SLOT_GPA, &val));
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(self->vcpu, MMU_WRITE, SLOT_GPA + 8, 0, 0x55));
	if (test_dev_is_minikvm()) {
		/* The pinned page: the guest keeps its data, apart from the VMM. */
		EXPECT_EQ(SEED, val);
		EXPECT_EQ(0ull, self->host[1]);
		ASSERT_EQ(KVM_EXIT_IO, guest_read(self->vcpu, SLOT_GPA + 0x1000, &val));
		EXPECT_EQ(0x4242ull, val);
	} else {
		/* MMU notifier zapped it: a fresh zero page, shared again. */
		EXPECT_EQ(0ull, val);
		EXPECT_EQ(0x55ull, self->host[1]);
		ASSERT_EQ(KVM_EXIT_IO, guest_read(self->vcpu, SLOT_GPA + 0x1000, &val));
		EXPECT_EQ(0ull, val);
	}
	/* A page the guest never touched: zero, and shared, on both. */
	ASSERT_EQ(KVM_EXIT_IO, guest_read(self->vcpu, SLOT_GPA + 0x5000, &val));
	EXPECT_EQ(0ull, val);
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(self->vcpu, MMU_WRITE, SLOT_GPA + 0x5000, 0, 0x66));
	EXPECT_EQ(0x66ull, self->host[0x5000 / 8]);
}

TEST_F(unmap, munmap_slot_memory)
{
	uint64_t val;

	ASSERT_EQ(0, munmap(self->host, SLOT_SIZE));
	self->unmapped = true;

	/* Never touched: nothing to map, on both devices KVM_RUN fails. */
	EXPECT_EQ(-EFAULT, guest_read(self->vcpu, SLOT_GPA + 0x5000, &val));

	if (test_dev_is_minikvm()) {
		/* Touched: still pinned, the guest reads its own data. */
		ASSERT_EQ(KVM_EXIT_IO, guest_read(self->vcpu, SLOT_GPA, &val));
		EXPECT_EQ(SEED, val);
		ASSERT_EQ(KVM_EXIT_IO, guest_read(self->vcpu, SLOT_GPA + 0x1000, &val));
		EXPECT_EQ(0x4242ull, val);
	} else {
		EXPECT_EQ(-EFAULT, guest_read(self->vcpu, SLOT_GPA, &val));
		EXPECT_EQ(-EFAULT, guest_read(self->vcpu, SLOT_GPA + 0x1000, &val));
	}
}

TEST_F(unmap, remap_other_memory)
{
	uint64_t *fresh, val;

	/* New memory at the same address: what does the guest see? */
	fresh = mmap(self->host, SLOT_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ((void *)self->host, (void *)fresh);
	fresh[0] = 0x7777;
	ASSERT_EQ(KVM_EXIT_IO, guest_read(self->vcpu, SLOT_GPA, &val));
	/* KVM follows the HVA; minikvm's guest keeps the page it pinned. */
	EXPECT_EQ(test_dev_is_minikvm() ? SEED : 0x7777ull, val);
}

MINIKVM_TEST_MAIN
