// SPDX-License-Identifier: GPL-2.0
/*
 * An MMIO access the CPU makes while it delivers an event is not the
 * instruction at RIP's access (mmu/mmio.c). Here the guest's IDT lies in
 * MMIO (GPA 3 MiB, inside the identity map, outside the 2 MiB slot) and
 * the guest executes UD2: delivering the #UD reads the IDT entry there.
 * KVM_RUN must end with KVM_EXIT_INTERNAL_ERROR and
 * KVM_INTERNAL_ERROR_DELIVERY_EV, not with an MMIO exit that completes
 * some access of the UD2 (before: an 8-byte MMIO read, decoded from
 * whatever instruction sat at RIP).
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define IDT_IN_MMIO	0x300000ul

asm(GUEST_ASM_BEGIN(ud_guest, ".code64")
	"ud2\n"
	"hlt\n"
	GUEST_ASM_END(ud_guest));
GUEST_CODE(ud_guest);

TEST(idt_in_mmio_is_delivery_error)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_sregs sregs;

	vm_load_guest(vm, CODE_GPA, ud_guest);
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
