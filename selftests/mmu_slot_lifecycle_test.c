// SPDX-License-Identifier: GPL-2.0
/*
 * Memory slots changing under a live VM (mmu/memslot.c):
 *
 *   - delete while another vCPU keeps running: the running vCPU is not
 *     disturbed, the deleted range is MMIO afterwards, and a new slot at
 *     the same GPA shows its own memory (no stale translation survives);
 *   - move (same HVA, new GPA): the data is at the new GPA, the old GPA
 *     is MMIO;
 *   - flags: dirty logging turned on for a slot the guest has already
 *     written (mapped writable) still catches the next writes, and turned
 *     off again answers -ENOENT while the guest keeps writing.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "minikvm_test.h"
#include "mmu_guest.h"

#define SLOT_GPA	0x600000ull
#define MOVED_GPA	0x800000ull
#define SLOT_SIZE	0x10000ull	/* 16 pages */

static uint64_t pattern(uint64_t seed, uint64_t off)
{
	return seed ^ off;
}

static void *alloc_filled(uint64_t seed)
{
	uint64_t *p = mmu_alloc(SLOT_SIZE, 4096);

	for (uint64_t off = 0; off < SLOT_SIZE; off += 8)
		p[off / 8] = pattern(seed, off);
	return p;
}

/* Guest read that must stay in memory; returns the value. */
static uint64_t read_mem(struct __test_metadata *_metadata,
			 struct kvm_vcpu *vcpu, uint64_t gpa)
{
	EXPECT_EQ(KVM_EXIT_IO, mmu_guest_op(vcpu, MMU_READ, gpa, 0, 0)) {
		TH_LOG("read 0x%llx: exit %s", (unsigned long long)gpa,
		       exit_reason_str(vcpu->run->exit_reason));
	}
	return mmu_guest_mbox(vcpu)->result;
}

/* Guest read that must be MMIO; the host answers @answer. */
static void read_mmio(struct __test_metadata *_metadata,
		      struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t answer)
{
	struct kvm_run *run = vcpu->run;

	ASSERT_EQ(KVM_EXIT_MMIO, mmu_guest_op(vcpu, MMU_READ, gpa, 0, 0)) {
		TH_LOG("read 0x%llx: exit %s", (unsigned long long)gpa,
		       exit_reason_str(run->exit_reason));
	}
	EXPECT_EQ(gpa, run->mmio.phys_addr);
	EXPECT_EQ(8, run->mmio.len);
	EXPECT_EQ(0, run->mmio.is_write);
	memcpy(run->mmio.data, &answer, 8);
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_resume(vcpu));
	EXPECT_EQ(answer, mmu_guest_mbox(vcpu)->result);
}

struct spinner {
	struct kvm_vcpu *vcpu;
	int exit;
};

static void *spin_thread(void *arg)
{
	struct spinner *s = arg;

	s->exit = mmu_guest_op(s->vcpu, MMU_SPIN, 0, 0, 0);
	return NULL;
}

/* Wait (bounded) until the spinning vCPU has done @n more rounds. */
static bool spins_past(struct mmu_mbox *m, uint64_t n)
{
	/* The guest writes count behind the compiler's back. */
	uint64_t target = __atomic_load_n(&m->count, __ATOMIC_RELAXED) + n;

	for (int i = 0; i < 60000; i++) {
		if (__atomic_load_n(&m->count, __ATOMIC_RELAXED) >= target)
			return true;
		usleep(1000);
	}
	return false;
}

TEST(delete_while_other_vcpu_runs)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	void *old = alloc_filled(0x1111ull << 48), *new = alloc_filled(0x2222ull << 48);
	struct kvm_vcpu *vcpu0, *vcpu1;
	struct spinner s;
	pthread_t t;

	mmu_set_slot(vm, 2, 0, SLOT_GPA, old, SLOT_SIZE);
	vcpu0 = mmu_guest_create(vm, 0);
	vcpu1 = mmu_guest_create(vm, 1);
	EXPECT_EQ(pattern(0x1111ull << 48, 0x3008), read_mem(_metadata, vcpu0, SLOT_GPA + 0x3008));

	s.vcpu = vcpu1;
	ASSERT_EQ(0, pthread_create(&t, NULL, spin_thread, &s));
	ASSERT_TRUE(spins_past(mmu_guest_mbox(vcpu1), 50));
	mmu_set_slot(vm, 2, 0, SLOT_GPA, NULL, 0);
	/* The other vCPU was not stopped or broken by the delete. */
	EXPECT_TRUE(spins_past(mmu_guest_mbox(vcpu1), 50));

	read_mmio(_metadata, vcpu0, SLOT_GPA + 0x3008, 0x77);
	read_mmio(_metadata, vcpu0, SLOT_GPA + 0x8000, 0x78);

	/* Same GPA, other memory: the guest must not see the old page. */
	mmu_set_slot(vm, 2, 0, SLOT_GPA, new, SLOT_SIZE);
	EXPECT_EQ(pattern(0x2222ull << 48, 0x3008), read_mem(_metadata, vcpu0, SLOT_GPA + 0x3008));

	__atomic_store_n(&mmu_guest_mbox(vcpu1)->stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(KVM_EXIT_IO, s.exit);
	EXPECT_TRUE(mmu_guest_ready(vcpu1));
	vcpu_free(vcpu1);
	vcpu_free(vcpu0);
	vm_free(vm);
	munmap(old, SLOT_SIZE);
	munmap(new, SLOT_SIZE);
}

TEST(move_slot)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	uint64_t *host = alloc_filled(0x3333ull << 48);
	struct kvm_vcpu *vcpu;

	mmu_set_slot(vm, 2, 0, SLOT_GPA, host, SLOT_SIZE);
	vcpu = mmu_guest_create(vm, 0);
	EXPECT_EQ(pattern(0x3333ull << 48, 8), read_mem(_metadata, vcpu, SLOT_GPA + 8));

	mmu_set_slot(vm, 2, 0, MOVED_GPA, host, SLOT_SIZE);
	EXPECT_EQ(pattern(0x3333ull << 48, 8), read_mem(_metadata, vcpu, MOVED_GPA + 8));
	EXPECT_EQ(pattern(0x3333ull << 48, 0xf000), read_mem(_metadata, vcpu, MOVED_GPA + 0xf000));
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(vcpu, MMU_WRITE, MOVED_GPA + 0x10, 0, 0xfeed));
	EXPECT_EQ(0xfeedull, host[2]);
	read_mmio(_metadata, vcpu, SLOT_GPA + 8, 0x99);

	/* And back: the data follows the slot again. */
	mmu_set_slot(vm, 2, 0, SLOT_GPA, host, SLOT_SIZE);
	EXPECT_EQ(0xfeedull, read_mem(_metadata, vcpu, SLOT_GPA + 0x10));
	read_mmio(_metadata, vcpu, MOVED_GPA + 0x10, 0x9a);
	vcpu_free(vcpu);
	vm_free(vm);
	munmap(host, SLOT_SIZE);
}

static int get_log(struct kvm_vm *vm, uint64_t *bits)
{
	struct kvm_dirty_log log = { .slot = 2, .dirty_bitmap = bits };

	*bits = ~0ull;
	return ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log) ? -errno : 0;
}

TEST(toggle_dirty_logging)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	uint64_t *host = alloc_filled(0);
	struct kvm_vcpu *vcpu;
	uint64_t bits;

	mmu_set_slot(vm, 2, 0, SLOT_GPA, host, SLOT_SIZE);
	vcpu = mmu_guest_create(vm, 0);
	/* Every page mapped writable before logging starts. */
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(vcpu, MMU_TOUCH, SLOT_GPA, SLOT_SIZE, 5));
	EXPECT_EQ(-ENOENT, get_log(vm, &bits));

	mmu_set_slot(vm, 2, KVM_MEM_LOG_DIRTY_PAGES, SLOT_GPA, host, SLOT_SIZE);
	ASSERT_EQ(0, get_log(vm, &bits));
	EXPECT_EQ(0ull, bits);
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(vcpu, MMU_WRITE, SLOT_GPA + 2 * 4096, 0, 1));
	/* Page-aligned writes while logging: see mmu_dirty_log_test.c. */
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(vcpu, MMU_WRITE, SLOT_GPA + 7 * 4096, 0, 2));
	ASSERT_EQ(0, get_log(vm, &bits));
	EXPECT_EQ((1ull << 2) | (1ull << 7), bits);

	mmu_set_slot(vm, 2, 0, SLOT_GPA, host, SLOT_SIZE);
	EXPECT_EQ(-ENOENT, get_log(vm, &bits));
	ASSERT_EQ(KVM_EXIT_IO, mmu_guest_op(vcpu, MMU_WRITE, SLOT_GPA + 9 * 4096, 0, 3));
	EXPECT_EQ(3ull, host[9 * 512]);
	/* The pages the guest touched before logging kept their data. */
	EXPECT_EQ((SLOT_GPA + 4 * 4096) ^ 5, host[4 * 512]);
	vcpu_free(vcpu);
	vm_free(vm);
	munmap(host, SLOT_SIZE);
}

MINIKVM_TEST_MAIN
