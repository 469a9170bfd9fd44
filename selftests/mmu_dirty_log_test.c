// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty logging (mmu/dirty_log.c, mmu/ept_violation.c step 5): with
 * KVM_MEM_LOG_DIRTY_PAGES, KVM_GET_DIRTY_LOG returns exactly the pages the
 * guest wrote since the last call, and clears them: a second call right
 * after returns nothing, and writes after a call appear in the next one.
 * Reads dirty nothing. A slot without logging answers -ENOENT.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "minikvm_test.h"
#include "mmu_guest.h"

#define LOG_GPA		0x400000ull
#define LOG_PAGES	128
#define LOG_SIZE	(LOG_PAGES * 4096ull)

FIXTURE(dirty) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	void *host;
};

FIXTURE_SETUP(dirty)
{
	self->vm = vm_create(GUEST_MEM_SIZE);
	self->host = mmu_alloc(LOG_SIZE, 4096);
	mmu_set_slot(self->vm, 1, KVM_MEM_LOG_DIRTY_PAGES, LOG_GPA, self->host, LOG_SIZE);
	self->vcpu = mmu_guest_create(self->vm, 0);
}

FIXTURE_TEARDOWN(dirty)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
	munmap(self->host, LOG_SIZE);
}

static int get_log(struct kvm_vm *vm, int slot, uint64_t *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	memset(bitmap, 0xa5, LOG_PAGES / 8);	/* stale bits must be overwritten */
	return ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log) ? -errno : 0;
}

/* The log must hold exactly the @n pages in @pages. */
static void expect_log(struct __test_metadata *_metadata, struct kvm_vm *vm,
		       const int *pages, int n)
{
	uint64_t bitmap[LOG_PAGES / 64], want[LOG_PAGES / 64] = { 0 };

	for (int i = 0; i < n; i++)
		want[pages[i] / 64] |= 1ull << (pages[i] % 64);
	ASSERT_EQ(0, get_log(vm, 1, bitmap));
	for (int w = 0; w < LOG_PAGES / 64; w++) {
		EXPECT_EQ(want[w], bitmap[w]) {
			TH_LOG("bitmap word %d", w);
		}
	}
}

/*
 * Writes to logged pages go to the start of the page: Bochs's PML puts
 * the whole GPA in its log where the SDM says bits 11:0 are 0, and KVM's
 * vmx_flush_pml_buffer() WARNs on such an entry.
 */
static void guest_write(struct __test_metadata *_metadata,
			struct kvm_vcpu *vcpu, int page, uint64_t val)
{
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(vcpu, MMU_WRITE, LOG_GPA + page * 4096ull, 0, val));
}

TEST_F(dirty, exact_set_then_empty_then_new)
{
	static const int first[] = { 0, 3, 17, 63, 64, 127 };
	static const int second[] = { 3, 5, 100 };
	uint8_t *host = self->host;

	/* Nothing written yet: an empty log. */
	expect_log(_metadata, self->vm, NULL, 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(first); i++)
		guest_write(_metadata, self->vcpu, first[i], 0x1000 + first[i]);
	/* Reads, even of a page written before, dirty nothing. */
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(self->vcpu, MMU_READ, LOG_GPA + 10 * 4096, 0, 0));
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(self->vcpu, MMU_READ, LOG_GPA + 17 * 4096, 0, 0));
	expect_log(_metadata, self->vm, first, ARRAY_SIZE(first));
	expect_log(_metadata, self->vm, NULL, 0);

	/* Page 3 again: it was write-protected by the read of the log. */
	for (unsigned int i = 0; i < ARRAY_SIZE(second); i++)
		guest_write(_metadata, self->vcpu, second[i], 0x2000 + second[i]);
	expect_log(_metadata, self->vm, second, ARRAY_SIZE(second));
	expect_log(_metadata, self->vm, NULL, 0);

	/* The writes themselves reached memory. */
	EXPECT_EQ(0x2003ull, *(uint64_t *)(host + 3 * 4096));
	EXPECT_EQ(0x1000ull + 127, *(uint64_t *)(host + 127 * 4096));
}

TEST_F(dirty, many_pages_one_pass)
{
	uint64_t bitmap[LOG_PAGES / 64];

	/* MMU_TOUCH writes every page of the slot once. */
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(self->vcpu, MMU_TOUCH, LOG_GPA, LOG_SIZE, 1));
	ASSERT_EQ(0, get_log(self->vm, 1, bitmap));
	for (int w = 0; w < LOG_PAGES / 64; w++)
		EXPECT_EQ(~0ull, bitmap[w]);
	ASSERT_EQ(0, get_log(self->vm, 1, bitmap));
	for (int w = 0; w < LOG_PAGES / 64; w++)
		EXPECT_EQ(0ull, bitmap[w]);
}

TEST_F(dirty, enoent_without_logging)
{
	uint64_t bitmap[LOG_PAGES / 64];

	/* Slot 0 (vm_create's) does not log; slot 5 does not exist. */
	EXPECT_EQ(-ENOENT, get_log(self->vm, 0, bitmap));
	EXPECT_EQ(-ENOENT, get_log(self->vm, 5, bitmap));
}

MINIKVM_TEST_MAIN
