// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO to userspace (mmu/mmio.c, mmu/ept_violation.c,
 * mmu/ept_misconfig.c): a real-mode guest reads and writes a page no
 * memory slot backs; every access must come back as KVM_EXIT_MMIO with
 * KVM's layout, reads must land in the right register with the right
 * extension, the second access to the page takes the misconfiguration
 * path, and an instruction that is not a MOV gives an emulation failure.
 */
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "minikvm_test.h"

#define MMIO_BASE 0xd0000

asm(".pushsection .rodata\n"
	"mmio_guest_start:\n"
	".code16\n"
	"	mov $0xd000, %bx\n"
	"	mov %bx, %ds\n"
	"	movw $0xbeef, 0x10\n"		/* 2-byte write of an immediate */
	"	movl 0x20, %eax\n"		/* 4-byte read (66 prefix) */
	"	movzbw 0x30, %cx\n"		/* 1-byte read, zero-extended */
	"	movsbw 0x31, %dx\n"		/* 1-byte read, sign-extended */
	"	mov %dh, 0x40\n"		/* 1-byte write of a high-byte register */
	"	addw %ax, 0x50\n"		/* not a MOV: emulation failure */
	"	hlt\n"
	".code64\n"
	"mmio_guest_end:\n"
	".popsection\n");
extern const unsigned char mmio_guest_start[], mmio_guest_end[];

FIXTURE(mmio) {
	int dev, vm, vcpu, mmap_size;
	struct kvm_run *run;
	void *mem;
};

FIXTURE_SETUP(mmio)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = 0x10000,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };

	self->dev = test_open_dev();
	self->vm = ioctl(self->dev, KVM_CREATE_VM, 0);
	ASSERT_LE(0, self->vm);
	self->mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	memcpy(self->mem, mmio_guest_start, mmio_guest_end - mmio_guest_start);
	region.userspace_addr = (unsigned long)self->mem;
	ASSERT_EQ(0, ioctl(self->vm, KVM_SET_USER_MEMORY_REGION, &region));
	self->vcpu = ioctl(self->vm, KVM_CREATE_VCPU, 0);
	ASSERT_LE(0, self->vcpu);
	self->mmap_size = ioctl(self->dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	self->run = mmap(NULL, self->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, self->vcpu, 0);
	ASSERT_NE(MAP_FAILED, self->run);
	ASSERT_EQ(0, ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	ASSERT_EQ(0, ioctl(self->vcpu, KVM_SET_SREGS, &sregs));
	ASSERT_EQ(0, ioctl(self->vcpu, KVM_SET_REGS, &regs));
}

FIXTURE_TEARDOWN(mmio)
{
	munmap(self->run, self->mmap_size);
	close(self->vcpu);
	close(self->vm);
	munmap(self->mem, 0x10000);
	close(self->dev);
}

static void expect_mmio(struct __test_metadata *_metadata, struct kvm_run *run,
			unsigned long long gpa, unsigned int len, int is_write)
{
	ASSERT_EQ(KVM_EXIT_MMIO, run->exit_reason);
	EXPECT_EQ(gpa, run->mmio.phys_addr);
	EXPECT_EQ(len, run->mmio.len);
	EXPECT_EQ(is_write, run->mmio.is_write);
}

TEST_F(mmio, reads_writes_and_failure)
{
	struct kvm_run *run = self->run;
	struct kvm_regs regs;

	ASSERT_EQ(0, ioctl(self->vcpu, KVM_RUN, 0));
	expect_mmio(_metadata, run, MMIO_BASE + 0x10, 2, 1);
	EXPECT_EQ(0xbeef, *(unsigned short *)run->mmio.data);

	ASSERT_EQ(0, ioctl(self->vcpu, KVM_RUN, 0));
	expect_mmio(_metadata, run, MMIO_BASE + 0x20, 4, 0);
	memcpy(run->mmio.data, "\x78\x56\x34\x12", 4);

	ASSERT_EQ(0, ioctl(self->vcpu, KVM_RUN, 0));
	expect_mmio(_metadata, run, MMIO_BASE + 0x30, 1, 0);
	run->mmio.data[0] = 0x9c;

	ASSERT_EQ(0, ioctl(self->vcpu, KVM_RUN, 0));
	expect_mmio(_metadata, run, MMIO_BASE + 0x31, 1, 0);
	run->mmio.data[0] = 0x80;

	ASSERT_EQ(0, ioctl(self->vcpu, KVM_RUN, 0));
	expect_mmio(_metadata, run, MMIO_BASE + 0x40, 1, 1);
	EXPECT_EQ(0xff, run->mmio.data[0]);	/* DH of 0xff80 */

	ASSERT_EQ(0, ioctl(self->vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(0x12345678ull, regs.rax & 0xffffffff);
	EXPECT_EQ(0x009cull, regs.rcx & 0xffff);
	EXPECT_EQ(0xff80ull, regs.rdx & 0xffff);

	/* ADD to MMIO: KVM's emulator handles it; minikvm's decoder does not. */
	ASSERT_EQ(0, ioctl(self->vcpu, KVM_RUN, 0));
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
		EXPECT_EQ(KVM_INTERNAL_ERROR_EMULATION, run->emulation_failure.suberror);
		EXPECT_TRUE(run->emulation_failure.flags &
			    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES);
		EXPECT_EQ(0x01, run->emulation_failure.insn_bytes[0]);
	} else {
		ASSERT_FALSE(test_dev_is_minikvm());
		expect_mmio(_metadata, run, MMIO_BASE + 0x50, 2, 0);
	}
}

MINIKVM_TEST_MAIN
