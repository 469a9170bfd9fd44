// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IOEVENTFD (core/ioeventfd.c): a guest write that matches an
 * ioeventfd signals its eventfd and the guest goes on with no exit; one
 * that misses (another value, another length) exits to userspace as
 * before. PIO and MMIO, with and without datamatch, length 0 (any
 * length), deassign, and KVM 6.1's errors for bad requests.
 */
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "minikvm_test.h"
#include "kvm_util.h"

/* RAM ends below MMIO_GPA, which real mode reaches as 0xd000:0. */
#define TEST_MEM_SIZE	0x80000ul
#define MMIO_GPA	0xd0000ul

asm(GUEST_ASM_BEGIN(iofd_guest, ".code16")
	"movw $0x1234, %ax\n"
	"outw %ax, $0x60\n"		/* PIO, len 2, datamatch 0x1234: hit */
	"movw $0x5678, %ax\n"
	"outw %ax, $0x60\n"		/* same port, other value: exit */
	"movb $1, %al\n"
	"outb %al, $0x61\n"		/* PIO, len 1, no datamatch: hit */
	"outw %ax, $0x61\n"		/* same port, len 2: exit */
	"movw $0xd000, %bx\n"
	"movw %bx, %ds\n"
	"movl $0xcafe, 0x0\n"		/* MMIO, len 4, datamatch 0xcafe: hit */
	"movb $7, 0x8\n"		/* MMIO, len 0 (any length): hit */
	"movl $7, 0x8\n"		/* again, 4 bytes: hit */
	"movl $0xbad, 0x0\n"		/* other value: exit */
	"xorw %bx, %bx\n"
	"movw %bx, %ds\n"
	"movl $0x600d, %eax\n"
	"outl %eax, $0x10\n"
	"hlt\n"
	GUEST_ASM_END(iofd_guest));
GUEST_CODE(iofd_guest);

static int assign(struct kvm_vm *vm, int fd, uint64_t addr, uint32_t len, uint32_t flags,
		  uint64_t datamatch)
{
	struct kvm_ioeventfd a = {
		.datamatch = datamatch, .addr = addr, .len = len, .fd = fd, .flags = flags,
	};

	return ioctl(vm->fd, KVM_IOEVENTFD, &a) ? -errno : 0;
}

/* How many times @fd was signalled since the last call (0: never). */
static uint64_t signals(int fd)
{
	uint64_t n;

	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return errno == EAGAIN ? 0 : ~0ull;
	return n;
}

static int new_eventfd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK);

	TEST_ASSERT(fd >= 0, "eventfd");
	return fd;
}

TEST(capabilities)
{
	int dev = test_open_dev();

	EXPECT_EQ(1, ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD));
	EXPECT_EQ(1, ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD_ANY_LENGTH));
	EXPECT_EQ(1, ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD_NO_LENGTH));
	close(dev);
}

TEST(writes_signal_without_exit)
{
	struct kvm_vm *vm = vm_create(TEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_run *run = vcpu->run;
	int pio_dm = new_eventfd(), pio_any = new_eventfd();
	int mmio_dm = new_eventfd(), mmio_len0 = new_eventfd();

	ASSERT_EQ(0, assign(vm, pio_dm, 0x60, 2, KVM_IOEVENTFD_FLAG_PIO |
			    KVM_IOEVENTFD_FLAG_DATAMATCH, 0x1234));
	ASSERT_EQ(0, assign(vm, pio_any, 0x61, 1, KVM_IOEVENTFD_FLAG_PIO, 0));
	ASSERT_EQ(0, assign(vm, mmio_dm, MMIO_GPA, 4, KVM_IOEVENTFD_FLAG_DATAMATCH, 0xcafe));
	ASSERT_EQ(0, assign(vm, mmio_len0, MMIO_GPA + 8, 0, 0, 0));
	vm_load_guest(vm, CODE_GPA, iofd_guest);
	vcpu_setup_real(vcpu, CODE_GPA);

	/* The matching OUT signalled; the next one, another value, exits. */
	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason);
	EXPECT_EQ(0x60, run->io.port);
	EXPECT_EQ(0x5678, *(uint16_t *)io_data(vcpu));
	EXPECT_EQ(1ull, signals(pio_dm));

	/* Length 1 matched with no datamatch; length 2 at that port exits. */
	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason);
	EXPECT_EQ(0x61, run->io.port);
	EXPECT_EQ(2, run->io.size);
	EXPECT_EQ(1ull, signals(pio_any));

	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_MMIO, run->exit_reason);
	EXPECT_EQ(MMIO_GPA, run->mmio.phys_addr);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(0xbadu, *(uint32_t *)run->mmio.data);
	EXPECT_EQ(1ull, signals(mmio_dm));
	EXPECT_EQ(2ull, signals(mmio_len0));
	EXPECT_EQ(0ull, signals(pio_dm));

	EXPECT_EQ(0x600du, vcpu_run_until_out(vcpu, PORT_RESULT));
	vcpu_free(vcpu);
	vm_free(vm);
	close(pio_dm);
	close(pio_any);
	close(mmio_dm);
	close(mmio_len0);
}

TEST(deassign_exits_again)
{
	struct kvm_vm *vm = vm_create(TEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint32_t flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH;
	int fd = new_eventfd();

	ASSERT_EQ(0, assign(vm, fd, 0x60, 2, flags, 0x1234));
	/* Deassign names the datamatch it was assigned with. */
	EXPECT_EQ(-ENOENT, assign(vm, fd, 0x60, 2, flags | KVM_IOEVENTFD_FLAG_DEASSIGN, 0x1235));
	EXPECT_EQ(-ENOENT, assign(vm, fd, 0x60, 1, flags | KVM_IOEVENTFD_FLAG_DEASSIGN, 0x1234));
	EXPECT_EQ(-ENOENT, assign(vm, fd, 0x60, 2, KVM_IOEVENTFD_FLAG_DATAMATCH |
				  KVM_IOEVENTFD_FLAG_DEASSIGN, 0x1234));
	ASSERT_EQ(0, assign(vm, fd, 0x60, 2, flags | KVM_IOEVENTFD_FLAG_DEASSIGN, 0x1234));
	EXPECT_EQ(-ENOENT, assign(vm, fd, 0x60, 2, flags | KVM_IOEVENTFD_FLAG_DEASSIGN, 0x1234));

	vm_load_guest(vm, CODE_GPA, iofd_guest);
	vcpu_setup_real(vcpu, CODE_GPA);
	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_IO, vcpu->run->exit_reason);
	EXPECT_EQ(0x60, vcpu->run->io.port);
	EXPECT_EQ(0x1234, *(uint16_t *)io_data(vcpu));
	EXPECT_EQ(0ull, signals(fd));
	vcpu_free(vcpu);
	vm_free(vm);
	close(fd);
}

TEST(errors)
{
	struct kvm_vm *vm = vm_create(TEST_MEM_SIZE);
	uint32_t dm = KVM_IOEVENTFD_FLAG_DATAMATCH, pio = KVM_IOEVENTFD_FLAG_PIO;
	int fd = new_eventfd(), fd2 = new_eventfd();

	EXPECT_EQ(-EINVAL, assign(vm, fd, 0x60, 3, pio, 0));
	EXPECT_EQ(-EINVAL, assign(vm, fd, 0x60, 16, pio, 0));
	EXPECT_EQ(-EINVAL, assign(vm, fd, 0x60, 1, pio | (1u << 5), 0));
	EXPECT_EQ(-EINVAL, assign(vm, fd, MMIO_GPA, 0, dm, 0));
	EXPECT_EQ(-EINVAL, assign(vm, fd, ~0ull - 1, 4, 0, 0));
	EXPECT_EQ(-EBADF, assign(vm, -1, 0x60, 1, pio, 0));
	EXPECT_EQ(-EINVAL, assign(vm, vm->fd, 0x60, 1, pio, 0));

	/* Two that would answer one write collide; distinct values do not. */
	ASSERT_EQ(0, assign(vm, fd, 0x60, 2, pio | dm, 1));
	EXPECT_EQ(0, assign(vm, fd2, 0x60, 2, pio | dm, 2));
	EXPECT_EQ(-EEXIST, assign(vm, fd2, 0x60, 2, pio | dm, 1));
	EXPECT_EQ(-EEXIST, assign(vm, fd2, 0x60, 2, pio, 0));
	EXPECT_EQ(0, assign(vm, fd2, 0x60, 4, pio, 0));
	/* The MMIO bus is another space. */
	EXPECT_EQ(0, assign(vm, fd2, 0x60, 2, dm, 1));
	ASSERT_EQ(0, assign(vm, fd, MMIO_GPA, 0, 0, 0));
	EXPECT_EQ(-EEXIST, assign(vm, fd2, MMIO_GPA, 4, dm, 9));
	EXPECT_EQ(-ENOENT, assign(vm, fd2, MMIO_GPA, 0, KVM_IOEVENTFD_FLAG_DEASSIGN, 0));
	/* KVM on x86 accepts the s390 notify bus and never signals it. */
	EXPECT_EQ(0, assign(vm, fd, 0x60, 2, KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY, 0));
	/* VM teardown puts the eventfds still assigned. */
	vm_free(vm);
	close(fd);
	close(fd2);
}

MINIKVM_TEST_MAIN
