// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest complete use of the KVM ABI, as a numbered narrative:
 * the path every VMM takes, checked step by step on the device under test.
 *
 *   1. open the device, check the API version
 *   2. KVM_CREATE_VM
 *   3. give it one page of memory at GPA 0 with guest code in it
 *   4. KVM_CREATE_VCPU, mmap its kvm_run
 *   5. point CS:IP at the code (real mode, as after reset)
 *   6. KVM_RUN: the guest OUTs a word -> KVM_EXIT_IO with the data
 *   7. KVM_RUN: the guest INs a byte we supply, then HLTs -> KVM_EXIT_HLT
 *   8. read the registers: the IN value arrived, RIP is past the HLT
 *   9. close everything
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "minikvm_test.h"

/* Real-mode guest: out 0x1234 to port 0x10, in al from 0x11, hlt. */
asm(".pushsection .rodata\n"
	"smoke_guest_start:\n"
	".code16\n"
	"	mov $0x1234, %ax\n"
	"	out %ax, $0x10\n"
	"	in $0x11, %al\n"
	"	hlt\n"
	".code64\n"
	"smoke_guest_end:\n"
	".popsection\n");
extern const unsigned char smoke_guest_start[], smoke_guest_end[];

TEST(real_mode_out_in_hlt)
{
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	int dev, vm, vcpu, mmap_size;
	void *mem;

	/* 1 */
	dev = test_open_dev();
	ASSERT_EQ(KVM_API_VERSION, ioctl(dev, KVM_GET_API_VERSION, 0));
	/* 2 */
	vm = ioctl(dev, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	/* 3 */
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	memcpy(mem, smoke_guest_start, smoke_guest_end - smoke_guest_start);
	region = (struct kvm_userspace_memory_region) {
		.slot = 0, .guest_phys_addr = 0, .memory_size = 0x1000,
		.userspace_addr = (unsigned long)mem,
	};
	ASSERT_EQ(0, ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region));
	/* 4 */
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu);
	mmap_size = ioctl(dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	ASSERT_LE((int)sizeof(*run), mmap_size);
	run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	ASSERT_NE(MAP_FAILED, run);
	/* 5 */
	ASSERT_EQ(0, ioctl(vcpu, KVM_GET_SREGS, &sregs));
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	ASSERT_EQ(0, ioctl(vcpu, KVM_SET_SREGS, &sregs));
	memset(&regs, 0, sizeof(regs));
	regs.rip = 0;
	regs.rflags = 2;
	ASSERT_EQ(0, ioctl(vcpu, KVM_SET_REGS, &regs));
	/* 6 */
	ASSERT_EQ(0, ioctl(vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason);
	EXPECT_EQ(KVM_EXIT_IO_OUT, run->io.direction);
	EXPECT_EQ(2, run->io.size);
	EXPECT_EQ(0x10, run->io.port);
	EXPECT_EQ(1u, run->io.count);
	EXPECT_EQ(0x1234, *(unsigned short *)((char *)run + run->io.data_offset));
	/* 7 */
	ASSERT_EQ(0, ioctl(vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason);
	EXPECT_EQ(KVM_EXIT_IO_IN, run->io.direction);
	EXPECT_EQ(1, run->io.size);
	EXPECT_EQ(0x11, run->io.port);
	*((unsigned char *)run + run->io.data_offset) = 0x5a;
	ASSERT_EQ(0, ioctl(vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_HLT, run->exit_reason);
	/* 8 */
	ASSERT_EQ(0, ioctl(vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(0x125aull, regs.rax & 0xffff);
	EXPECT_EQ((unsigned long long)(smoke_guest_end - smoke_guest_start), regs.rip);
	/* 9 */
	munmap(run, mmap_size);
	close(vcpu);
	close(vm);
	munmap(mem, 0x1000);
	close(dev);
}

MINIKVM_TEST_MAIN
