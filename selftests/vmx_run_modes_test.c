// SPDX-License-Identifier: GPL-2.0
/*
 * A guest runs in each CPU mode a VMM starts guests in (vmx/run.c and the
 * VMCS guest state of vmx/vmcs.c): real mode, 32-bit protected mode
 * without and with paging, 64-bit long mode. Each computes 1 + 2 + ... +
 * 100 with a loop, stores it at DATA_GPA, reports it with a 4-byte OUT
 * (KVM_EXIT_IO) and halts (KVM_EXIT_HLT); the host checks port, width,
 * value and guest memory. Mode-specific checks prove the mode really was
 * the one asked for.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define SUM_1_100 5050

/* Real mode: DS = 0, so DATA_GPA is a plain offset; 32-bit ops get 0x66. */
asm(GUEST_ASM_BEGIN(rm_guest, ".code16")
	"xorl %eax, %eax\n"
	"movl $100, %ecx\n"
	"1: addl %ecx, %eax\n"
	"loop 1b\n"		/* LOOP uses CX in 16-bit code */
	"movl %eax, 0x8000\n"
	"outl %eax, $0x10\n"
	/* Report CS as the CPU sees it: the host set selector = gpa >> 4. */
	"movw %cs, %ax\n"
	"movzwl %ax, %eax\n"
	"outl %eax, $0x10\n"
	"hlt\n"
	GUEST_ASM_END(rm_guest));
GUEST_CODE(rm_guest);

/*
 * 32-bit protected mode. With paging the host points linear page 0x1ff000
 * at guest-physical DATA_GPA + 0x1000; writing through that linear address
 * must land there, which only happens if the page tables are in use.
 */
asm(GUEST_ASM_BEGIN(pm_guest, ".code32")
	"xorl %eax, %eax\n"
	"movl $100, %ecx\n"
	"1: addl %ecx, %eax\n"
	"loop 1b\n"
	"movl %eax, 0x8000\n"
	"outl %eax, $0x10\n"
	"movl %cr0, %eax\n"
	"outl %eax, $0x10\n"
	"movl $0xcafe0032, 0x1ff000\n"
	"hlt\n"
	GUEST_ASM_END(pm_guest));
GUEST_CODE(pm_guest);

/* Long mode: a 64-bit product no 32-bit register could hold, and EFER. */
asm(GUEST_ASM_BEGIN(lm_guest, ".code64")
	"xorl %eax, %eax\n"
	"movl $100, %ecx\n"
	"1: addl %ecx, %eax\n"
	"loop 1b\n"
	"movl %eax, 0x8000\n"
	"outl %eax, $0x10\n"
	"movabsq $0x123456789, %rax\n"
	"imulq $3, %rax\n"
	"movq %rax, 0x8008\n"
	"shrq $32, %rax\n"
	"outl %eax, $0x10\n"
	"movl $0xc0000080, %ecx\n"
	"rdmsr\n"
	"outl %eax, $0x10\n"
	"hlt\n"
	GUEST_ASM_END(lm_guest));
GUEST_CODE(lm_guest);

static void check_sum(struct __test_metadata *_metadata, struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason);
	EXPECT_EQ(KVM_EXIT_IO_OUT, run->io.direction);
	EXPECT_EQ(4, run->io.size);
	EXPECT_EQ(PORT_RESULT, run->io.port);
	EXPECT_EQ(1u, run->io.count);
	EXPECT_EQ(SUM_1_100, *(uint32_t *)io_data(vcpu));
	EXPECT_EQ(SUM_1_100, *(uint32_t *)vm_gpa(vcpu->vm, DATA_GPA));
}

TEST(real_mode)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_regs regs;

	vm_load_guest(vm, CODE_GPA, rm_guest);
	vcpu_setup_real(vcpu, CODE_GPA);
	check_sum(_metadata, vcpu);
	EXPECT_EQ(CODE_GPA >> 4, vcpu_run_until_out(vcpu, PORT_RESULT));
	vcpu_run_until_hlt(vcpu);
	/* RIP is CS-relative and past the HLT. */
	vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ((uint64_t)(rm_guest_end - rm_guest_start), regs.rip);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void run_prot32(struct __test_metadata *_metadata, bool paging)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint32_t cr0;

	vm_load_guest(vm, CODE_GPA, pm_guest);
	vcpu_setup_prot32(vcpu, CODE_GPA, paging);
	if (paging) {
		/* PD[0] -> PT at PT_GPA + 0x1000; entry 0x1ff covers 0x1ff000. */
		uint32_t *pt = vm_gpa(vm, PT_GPA + 0x1000);

		pt[0x1ff] = (DATA_GPA + 0x1000) | 3;
	}
	check_sum(_metadata, vcpu);
	cr0 = vcpu_run_until_out(vcpu, PORT_RESULT);
	EXPECT_EQ(1u, cr0 & 1);
	EXPECT_EQ(paging, !!(cr0 & 0x80000000u));
	vcpu_run_until_hlt(vcpu);
	EXPECT_EQ(paging ? 0xcafe0032u : 0,
		  *(uint32_t *)vm_gpa(vm, DATA_GPA + 0x1000));
	/* Without paging the same store went to physical 0x1ff000. */
	EXPECT_EQ(paging ? 0 : 0xcafe0032u, *(uint32_t *)vm_gpa(vm, 0x1ff000));
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(protected_mode_no_paging)
{
	run_prot32(_metadata, false);
}

TEST(protected_mode_paging)
{
	run_prot32(_metadata, true);
}

TEST(long_mode)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_sregs sregs;

	vm_load_guest(vm, CODE_GPA, lm_guest);
	vcpu_setup_long(vcpu, CODE_GPA);
	check_sum(_metadata, vcpu);
	EXPECT_EQ((0x123456789ull * 3) >> 32, vcpu_run_until_out(vcpu, PORT_RESULT));
	EXPECT_EQ(0x123456789ull * 3, *(uint64_t *)vm_gpa(vm, DATA_GPA + 8));
	/* EFER as the guest reads it: LME | LMA, as KVM_SET_SREGS set it. */
	EXPECT_EQ(0x500u, vcpu_run_until_out(vcpu, PORT_RESULT));
	vcpu_run_until_hlt(vcpu);
	vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(1, sregs.cs.l);
	EXPECT_EQ(0x500u, sregs.efer & 0x500);
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
