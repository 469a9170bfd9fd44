// SPDX-License-Identifier: GPL-2.0
/*
 * HLT exits (vmx/exit_hlt.c). Without an in-kernel irqchip there is no
 * interrupt that could wake the vCPU, so KVM hands HLT to userspace as
 * KVM_EXIT_HLT with RIP already past the instruction; the next KVM_RUN
 * continues with the following instruction.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

asm(GUEST_ASM_BEGIN(hlt_guest, ".code16")
	"hlt\n"
	"hlt_guest_after1:\n"
	"movl $1, %eax\n"
	"outl %eax, $0x10\n"
	"sti\n"			/* IF=1 changes nothing without an irqchip */
	"hlt\n"
	"hlt_guest_after2:\n"
	"movl $2, %eax\n"
	"outl %eax, $0x10\n"
	"cli\n"
	"hlt\n"
	GUEST_ASM_END(hlt_guest));
GUEST_CODE(hlt_guest);
extern const char hlt_guest_after1[], hlt_guest_after2[];

TEST(hlt_exits_to_userspace_and_resumes)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_regs regs;

	vm_load_guest(vm, CODE_GPA, hlt_guest);
	vcpu_setup_real(vcpu, CODE_GPA);

	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_HLT, vcpu->run->exit_reason);
	vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ((uint64_t)(hlt_guest_after1 - hlt_guest_start), regs.rip);

	EXPECT_EQ(1u, vcpu_run_until_out(vcpu, PORT_RESULT));
	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_HLT, vcpu->run->exit_reason);
	vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ((uint64_t)(hlt_guest_after2 - hlt_guest_start), regs.rip);
	EXPECT_TRUE(regs.rflags & (1u << 9));

	EXPECT_EQ(2u, vcpu_run_until_out(vcpu, PORT_RESULT));
	vcpu_run_until_hlt(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
