// SPDX-License-Identifier: GPL-2.0
/*
 * More than one guest context at a time (vmx/vmcs.c: one VMCS per vCPU,
 * loaded on the CPU that runs it): two VMs alive and run in turns keep
 * separate memory and registers; two vCPUs of one VM, each on its own
 * host thread, hand a token back and forth through shared guest memory,
 * which only works if both really run (on two CPUs, or interleaved by
 * the scheduler on one).
 */
#include <pthread.h>
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

/* seed at 0x8000 -> seed * 3 + 1, reported and stored at 0x8004. */
asm(GUEST_ASM_BEGIN(seed_guest, ".code16")
	"movl 0x8000, %eax\n"
	"imull $3, %eax\n"
	"incl %eax\n"
	"outl %eax, $0x10\n"
	"movl %eax, 0x8004\n"
	"hlt\n"
	GUEST_ASM_END(seed_guest));
GUEST_CODE(seed_guest);

/*
 * Ping-pong: vCPU n (EBX) waits for the token at 0x8000 to equal
 * 2 * round + n, then increments it; after the round count at 0x8004 it
 * reports its id and halts.
 */
asm(GUEST_ASM_BEGIN(pingpong_guest, ".code16")
	"movl %ebx, %esi\n"	/* id; CPUID below clobbers EAX-EDX */
	"xorl %edi, %edi\n"	/* round */
	"1: movl %edi, %ebp\n"
	"addl %edi, %ebp\n"
	"addl %esi, %ebp\n"
	"2: pause\n"
	"xorl %eax, %eax\n"
	"cpuid\n"		/* an in-kernel exit; see vmx_run_signal_test.c */
	"cmpl %ebp, 0x8000\n"
	"jne 2b\n"
	"incl %ebp\n"
	"movl %ebp, 0x8000\n"
	"incl %edi\n"
	"cmpl 0x8004, %edi\n"
	"jb 1b\n"
	"movl %esi, %eax\n"
	"outl %eax, $0x10\n"
	"hlt\n"
	GUEST_ASM_END(pingpong_guest));
GUEST_CODE(pingpong_guest);

#define ROUNDS 100

TEST(two_vms_at_once)
{
	struct kvm_vm *a = vm_create(GUEST_MEM_SIZE), *b = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *va = vcpu_create(a, 0), *vb = vcpu_create(b, 0);

	vm_load_guest(a, CODE_GPA, seed_guest);
	vm_load_guest(b, CODE_GPA, seed_guest);
	*(uint32_t *)vm_gpa(a, DATA_GPA) = 10;
	*(uint32_t *)vm_gpa(b, DATA_GPA) = 20;
	vcpu_setup_real(va, CODE_GPA);
	vcpu_setup_real(vb, CODE_GPA);

	EXPECT_EQ(31u, vcpu_run_until_out(va, PORT_RESULT));
	EXPECT_EQ(61u, vcpu_run_until_out(vb, PORT_RESULT));
	vcpu_run_until_hlt(vb);
	vcpu_run_until_hlt(va);
	EXPECT_EQ(31u, *(uint32_t *)vm_gpa(a, DATA_GPA + 4));
	EXPECT_EQ(61u, *(uint32_t *)vm_gpa(b, DATA_GPA + 4));
	vcpu_free(va);
	vm_free(a);
	/* B outlives A and still runs. */
	vcpu_setup_real(vb, CODE_GPA);
	EXPECT_EQ(61u, vcpu_run_until_out(vb, PORT_RESULT));
	vcpu_free(vb);
	vm_free(b);
}

static void *vcpu_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	uint32_t id = vcpu_run_until_out(vcpu, PORT_RESULT);

	TEST_ASSERT(id == (uint32_t)vcpu->id, "vCPU %d reported %u", vcpu->id, id);
	vcpu_run_until_hlt(vcpu);
	return NULL;
}

TEST(two_vcpus_two_threads)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *v[2];
	pthread_t t[2];
	int i;

	vm_load_guest(vm, CODE_GPA, pingpong_guest);
	*(uint32_t *)vm_gpa(vm, DATA_GPA + 4) = ROUNDS;
	for (i = 0; i < 2; i++) {
		struct kvm_regs regs;

		v[i] = vcpu_create(vm, i);
		vcpu_setup_real(v[i], CODE_GPA);
		vcpu_get_regs(v[i], &regs);
		regs.rbx = i;
		vcpu_set_regs(v[i], &regs);
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, vcpu_thread, v[i]));
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(2u * ROUNDS, *(uint32_t *)vm_gpa(vm, DATA_GPA));
	for (i = 0; i < 2; i++)
		vcpu_free(v[i]);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
