// SPDX-License-Identifier: GPL-2.0
/*
 * File lifetimes (core/: the device, VM and vCPU file release paths).
 * KVM keeps the VM alive while a vCPU fd or its run-page mapping holds a
 * reference, whatever order userspace closes things in:
 * - all 24 orders of closing {device fd, VM fd, vCPU fd, kvm_run mmap};
 * - with the VM fd (and device fd) closed, the vCPU still runs its guest;
 * - a process that exits while one of its threads is inside KVM_RUN
 *   tears everything down (exit_group kills the thread out of the guest).
 */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "minikvm_test.h"
#include "kvm_util.h"

asm(GUEST_ASM_BEGIN(fd_guest, ".code16")
	"incl 0x8000\n"
	"hlt\n"
	"1: incl 0x8004\n"
	"xorl %eax, %eax\n"
	"cpuid\n"		/* an in-kernel exit; see vmx_run_signal_test.c */
	"jmp 1b\n"
	GUEST_ASM_END(fd_guest));
GUEST_CODE(fd_guest);

static struct kvm_vcpu *make_vcpu(struct kvm_vm **vmp)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);

	vm_load_guest(vm, CODE_GPA, fd_guest);
	vcpu_setup_real(vcpu, CODE_GPA);
	*vmp = vm;
	return vcpu;
}

static void close_one(struct kvm_vcpu *vcpu, int what)
{
	switch (what) {
	case 0:
		close(vcpu->vm->dev_fd);
		break;
	case 1:
		close(vcpu->vm->fd);
		break;
	case 2:
		close(vcpu->fd);
		break;
	case 3:
		munmap(vcpu->run, vcpu->vm->run_size);
		break;
	}
}

TEST(close_in_every_order)
{
	int perm[4], n = 0;

	/* Every permutation of 0-3: p read as four base-4 digits. */
	for (int p = 0; p < 256; p++) {
		int a = p & 3, b = (p >> 2) & 3, c = (p >> 4) & 3, d = p >> 6;
		struct kvm_vm *vm;
		struct kvm_vcpu *vcpu;

		if (a == b || a == c || b == c || d == a || d == b || d == c)
			continue;
		perm[0] = a, perm[1] = b, perm[2] = c, perm[3] = d;
		vcpu = make_vcpu(&vm);
		vcpu_run_until_hlt(vcpu);
		for (int i = 0; i < 4; i++)
			close_one(vcpu, perm[i]);
		EXPECT_EQ(1u, *(uint32_t *)vm_gpa(vm, DATA_GPA));
		munmap(vm->mem, vm->mem_size);
		free(vm);
		free(vcpu);
		n++;
	}
	EXPECT_EQ(24, n);
}

TEST(vcpu_runs_after_vm_fd_closed)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = make_vcpu(&vm);

	close(vm->fd);
	close(vm->dev_fd);
	/* KVM_RUN still reaches the guest: the vCPU holds the VM. */
	vcpu_run_until_hlt(vcpu);
	EXPECT_EQ(1u, *(uint32_t *)vm_gpa(vm, DATA_GPA));
	/* ... and VM ioctls on the closed fd fail as on any closed fd. */
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_CREATE_VCPU, 1));
	EXPECT_EQ(EBADF, errno);
	munmap(vcpu->run, vm->run_size);
	close(vcpu->fd);
	munmap(vm->mem, vm->mem_size);
	free(vm);
	free(vcpu);
}

static void *spin_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;

	__vcpu_run(vcpu);	/* HLT */
	__vcpu_run(vcpu);	/* spins until the process dies */
	return NULL;
}

/* Child: start a vCPU thread spinning in the guest, then die by @how. */
static void child_with_running_vcpu(int how)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = make_vcpu(&vm);
	pthread_t t;
	int i;

	pthread_create(&t, NULL, spin_thread, vcpu);
	/* Wait until the guest spins, so the thread is in KVM_RUN. */
	for (i = 0; i < 3000 && !TEST_LOAD(*(uint32_t *)vm_gpa(vm, DATA_GPA + 4)); i++)
		usleep(10000);
	if (how == 0)
		exit(i < 3000 ? 0 : 3);
	kill(getpid(), SIGKILL);
}

static void expect_child(struct __test_metadata *_metadata, int how)
{
	pid_t pid = fork();
	int status, i;

	ASSERT_GE(pid, 0);
	if (pid == 0)
		child_with_running_vcpu(how);
	/* Bounded wait: a vCPU that cannot be torn down would hang here. */
	for (i = 0; i < 6000 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(10000);
	ASSERT_LT(i, 6000) {
		kill(pid, SIGKILL);
	}
	if (how == 0) {
		ASSERT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	} else {
		ASSERT_TRUE(WIFSIGNALED(status));
		EXPECT_EQ(SIGKILL, WTERMSIG(status));
	}
}

TEST(child_exits_with_vcpu_thread_in_run)
{
	expect_child(_metadata, 0);
}

TEST(child_killed_with_vcpu_thread_in_run)
{
	expect_child(_metadata, 1);
}

MINIKVM_TEST_MAIN
