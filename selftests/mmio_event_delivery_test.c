// SPDX-License-Identifier: GPL-2.0
/*
 * An MMIO access the CPU makes while it delivers an event is not the
 * instruction at RIP's access (mmu/mmio.c). Here the guest's IDT lies in
 * MMIO (GPA 3 MiB, inside the identity map, outside the 2 MiB slot) and
 * the guest loads from 1 GiB, which its page tables do not map: the #PF
 * delivery reads the IDT entry there. KVM_RUN must end with
 * KVM_EXIT_INTERNAL_ERROR and KVM_INTERNAL_ERROR_DELIVERY_EV, as on KVM,
 * not with an MMIO exit that completes the MOV at RIP with the IDT's
 * bytes (before: a 4-byte MMIO read at the IDT entry's address, and RIP
 * past the MOV once userspace answered).
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define IDT_IN_MMIO	0x300000ul

asm(GUEST_ASM_BEGIN(pf_guest, ".code64")
	"mov $0x40000000, %rax\n"
	"mov (%rax), %eax\n"
	"hlt\n"
	GUEST_ASM_END(pf_guest));
GUEST_CODE(pf_guest);

TEST(idt_in_mmio_is_delivery_error)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_sregs sregs;

	vm_load_guest(vm, CODE_GPA, pf_guest);
	vcpu_setup_long(vcpu, CODE_GPA);
	vcpu_get_sregs(vcpu, &sregs);
	sregs.idt.base = IDT_IN_MMIO;
	sregs.idt.limit = 32 * 16 - 1;
	vcpu_set_sregs(vcpu, &sregs);

	EXPECT_EQ(0, __vcpu_run(vcpu));
	ASSERT_EQ(KVM_EXIT_INTERNAL_ERROR, vcpu->run->exit_reason)
		TH_LOG("exit %s, MMIO at %#llx len %u", exit_reason_str(vcpu->run->exit_reason),
		       vcpu->run->mmio.phys_addr, vcpu->run->mmio.len);
	EXPECT_EQ(KVM_INTERNAL_ERROR_DELIVERY_EV, vcpu->run->internal.suberror);
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
