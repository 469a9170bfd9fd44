// SPDX-License-Identifier: GPL-2.0
/*
 * A VM belongs to the process that created it (core/: KVM's rule in
 * virt/kvm/kvm_main.c, "kvm->mm != current->mm" -> -EIO). A forked child
 * inherits the fds but every VM and vCPU ioctl it makes on them fails with
 * EIO; system ioctls on the device fd still work, and the child may create
 * a VM of its own. The parent's VM is unaffected.
 */
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "minikvm_test.h"
#include "kvm_util.h"

asm(GUEST_ASM_BEGIN(fork_guest, ".code16")
	"incl 0x8000\n"
	"hlt\n"
	"jmp fork_guest_start\n"
	GUEST_ASM_END(fork_guest));
GUEST_CODE(fork_guest);

/* In the child: one bit per check that did not give KVM's answer. */
static int child_checks(struct kvm_vcpu *vcpu)
{
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_regs regs;
	struct kvm_userspace_memory_region r = { .slot = 1, .guest_phys_addr = 1ul << 30,
		.memory_size = 4096, .userspace_addr = (uintptr_t)vm->mem };
	int bad = 0, fd;

#define EIO_CHECK(bit, call) \
	do { if ((call) != -1 || errno != EIO) bad |= 1 << (bit); } while (0)
	EIO_CHECK(0, ioctl(vcpu->fd, KVM_RUN, 0));
	EIO_CHECK(1, ioctl(vcpu->fd, KVM_GET_REGS, &regs));
	EIO_CHECK(2, ioctl(vm->fd, KVM_CREATE_VCPU, 1));
	EIO_CHECK(3, ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r));
	EIO_CHECK(4, ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS));
#undef EIO_CHECK
	if (ioctl(vm->dev_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		bad |= 1 << 5;
	fd = ioctl(vm->dev_fd, KVM_CREATE_VM, 0);
	if (fd < 0)
		bad |= 1 << 6;
	else if (ioctl(fd, KVM_CREATE_VCPU, 0) < 0)
		bad |= 1 << 7;
	return bad;
}

TEST(forked_child_gets_eio)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	int status;
	pid_t pid;

	vm_load_guest(vm, CODE_GPA, fork_guest);
	vcpu_setup_real(vcpu, CODE_GPA);
	vcpu_run_until_hlt(vcpu);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(child_checks(vcpu));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/*
	 * bit 0 RUN, 1 GET_REGS, 2 CREATE_VCPU, 3 memory, 4 VM CHECK_EXTENSION
	 * (all EIO); 5 API version, 6 own VM, 7 own vCPU (all work).
	 */
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* The parent still owns and runs its VM. */
	vcpu_run_until_hlt(vcpu);
	EXPECT_EQ(2u, *(uint32_t *)vm_gpa(vm, DATA_GPA));
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
