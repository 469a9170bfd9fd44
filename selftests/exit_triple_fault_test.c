// SPDX-License-Identifier: GPL-2.0
/*
 * Triple fault (vmx/exit.c, the TRIPLE_FAULT exit): a guest that faults
 * with no usable IDT escalates #UD -> #GP -> #DF -> shutdown, and KVM
 * reports KVM_EXIT_SHUTDOWN to userspace. The same in real mode with an
 * IVT limit of 0.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

asm(GUEST_ASM_BEGIN(tf32_guest, ".code32")
	"movl $0x7f, %eax\n"
	"outl %eax, $0x10\n"
	"ud2\n"
	"outl %eax, $0x10\n"	/* never reached */
	GUEST_ASM_END(tf32_guest));
GUEST_CODE(tf32_guest);

asm(GUEST_ASM_BEGIN(tf16_guest, ".code16")
	"lidt 0x8000\n"		/* the host left a zero limit there */
	"int $3\n"
	"outl %eax, $0x10\n"
	GUEST_ASM_END(tf16_guest));
GUEST_CODE(tf16_guest);

TEST(protected_mode_no_idt)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);

	vm_load_guest(vm, CODE_GPA, tf32_guest);
	vcpu_setup_prot32(vcpu, CODE_GPA, true);	/* IDT limit 0 */
	EXPECT_EQ(0x7fu, vcpu_run_until_out(vcpu, PORT_RESULT));
	vcpu_run(vcpu);
	EXPECT_EQ(KVM_EXIT_SHUTDOWN, vcpu->run->exit_reason)
		TH_LOG("exit %s", exit_reason_str(vcpu->run->exit_reason));
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(real_mode_empty_ivt)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);

	vm_load_guest(vm, CODE_GPA, tf16_guest);
	vcpu_setup_real(vcpu, CODE_GPA);
	memset(vm_gpa(vm, DATA_GPA), 0, 6);
	vcpu_run(vcpu);
	EXPECT_EQ(KVM_EXIT_SHUTDOWN, vcpu->run->exit_reason)
		TH_LOG("exit %s", exit_reason_str(vcpu->run->exit_reason));
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
