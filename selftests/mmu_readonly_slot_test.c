// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_MEM_READONLY slots (mmu/memslot.c, mmu/ept_violation.c step 3): the
 * guest reads the VMM's memory, but every guest write leaves as
 * KVM_EXIT_MMIO with the address, width and bytes, as if the slot were a
 * ROM device, and the memory is unchanged. Checked for a write to a page
 * the guest has already read (mapped read-only) and to a page it never
 * touched (first fault is the write), and that VMM writes to the memory
 * stay visible to the guest.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "minikvm_test.h"
#include "mmu_guest.h"

#define RO_GPA		0x400000ull
#define RO_SIZE		0x10000ull	/* 16 pages */

static uint64_t pattern(uint64_t gpa)
{
	return 0x5eed000000000000ull ^ gpa;
}

FIXTURE(ro) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	uint64_t *host;
};

FIXTURE_SETUP(ro)
{
	struct kvm_vm *vm;

	self->vm = vm = vm_create(GUEST_MEM_SIZE);
	ASSERT_LT(0, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM));
	self->host = mmu_alloc(RO_SIZE, 4096);
	for (uint64_t off = 0; off < RO_SIZE; off += 8)
		self->host[off / 8] = pattern(RO_GPA + off);
	mmu_set_slot(vm, 1, KVM_MEM_READONLY, RO_GPA, self->host, RO_SIZE);
	self->vcpu = mmu_guest_create(vm, 0);
}

FIXTURE_TEARDOWN(ro)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
	munmap(self->host, RO_SIZE);
}

/* A guest write of 8 bytes must exit as MMIO and not reach memory. */
static void expect_write_exits(struct __test_metadata *_metadata,
			       struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t val)
{
	struct kvm_run *run = vcpu->run;

	ASSERT_EQ(KVM_EXIT_MMIO, mmu_guest_op(vcpu, MMU_WRITE, gpa, 0, val));
	EXPECT_EQ(gpa, run->mmio.phys_addr);
	EXPECT_EQ(8, run->mmio.len);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(val, *(uint64_t *)run->mmio.data);
	/* The write is complete once the VMM has seen it. */
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_resume(vcpu));
	ASSERT_TRUE(mmu_guest_ready(vcpu));
}

static uint64_t guest_read(struct __test_metadata *_metadata,
			   struct kvm_vcpu *vcpu, uint64_t gpa)
{
	int r = mmu_guest_op(vcpu, MMU_READ, gpa, 0, 0);

	EXPECT_EQ(KVM_EXIT_IO, r) {
		TH_LOG("read of 0x%llx: exit %s", (unsigned long long)gpa,
		       exit_reason_str(vcpu->run->exit_reason));
	}
	return mmu_guest_mbox(vcpu)->result;
}

TEST_F(ro, reads_see_memory)
{
	for (uint64_t off = 0; off < RO_SIZE; off += 0x1000 + 8)
		EXPECT_EQ(pattern(RO_GPA + off), guest_read(_metadata, self->vcpu, RO_GPA + off));
}

TEST_F(ro, write_after_read_is_mmio)
{
	uint64_t gpa = RO_GPA + 0x2010;

	EXPECT_EQ(pattern(gpa), guest_read(_metadata, self->vcpu, gpa));
	expect_write_exits(_metadata, self->vcpu, gpa, 0x1111222233334444ull);
	EXPECT_EQ(pattern(gpa), self->host[(gpa - RO_GPA) / 8]);
	EXPECT_EQ(pattern(gpa), guest_read(_metadata, self->vcpu, gpa));
	/* Again: the second write to the page must exit just the same. */
	expect_write_exits(_metadata, self->vcpu, gpa + 8, 0x5555666677778888ull);
	EXPECT_EQ(pattern(gpa + 8), guest_read(_metadata, self->vcpu, gpa + 8));
}

TEST_F(ro, first_touch_write_is_mmio)
{
	uint64_t gpa = RO_GPA + 0x5000;

	expect_write_exits(_metadata, self->vcpu, gpa, 0xabcdull);
	EXPECT_EQ(pattern(gpa), self->host[(gpa - RO_GPA) / 8]);
	EXPECT_EQ(pattern(gpa), guest_read(_metadata, self->vcpu, gpa));
}

TEST_F(ro, vmm_writes_are_visible)
{
	uint64_t gpa = RO_GPA + 0x3000;

	EXPECT_EQ(pattern(gpa), guest_read(_metadata, self->vcpu, gpa));
	/* The VMM may update its ROM: same host page, so the guest sees it. */
	self->host[(gpa - RO_GPA) / 8] = 0x0123456789abcdefull;
	EXPECT_EQ(0x0123456789abcdefull, guest_read(_metadata, self->vcpu, gpa));
}

TEST_F(ro, readonly_flag_cannot_change)
{
	/* KVM: READONLY cannot be toggled on a live slot. */
	EXPECT_EQ(-EINVAL, __mmu_set_slot(self->vm, 1, 0, RO_GPA, self->host, RO_SIZE));
	EXPECT_EQ(0, __mmu_set_slot(self->vm, 1, KVM_MEM_READONLY | KVM_MEM_LOG_DIRTY_PAGES,
				    RO_GPA, self->host, RO_SIZE));
}

MINIKVM_TEST_MAIN
