// SPDX-License-Identifier: GPL-2.0
/*
 * The rest of the interrupt ABI of a VM without an in-kernel irqchip
 * (irq/ioctl.c, core/main.c, core/vm.c), as KVM answers it:
 *
 *  - KVM_CAP_MP_STATE, KVM_CAP_USER_NMI, KVM_CAP_IRQ_ROUTING (KVM's
 *    route count, though KVM_SET_GSI_ROUTING needs an irqchip);
 *  - KVM_GET/SET_MP_STATE: RUNNABLE, and every state that needs a LAPIC
 *    refused without changing anything;
 *  - KVM_SET_VAPIC_ADDR refused, KVM_TPR_ACCESS_REPORTING accepted with
 *    flags 0;
 *  - with an in-kernel LAPIC (the split irqchip), KVM_SET_VAPIC_ADDR as
 *    KVM answers it: 0 and an address in guest memory accepted, one
 *    outside every slot or running past the end of one refused.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"
#include "lapic_util.h"

TEST(capabilities)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);

	EXPECT_EQ(1, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_MP_STATE));
	EXPECT_EQ(1, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_NMI));
	EXPECT_EQ(4096, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING));
	EXPECT_EQ(4096, ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING));
	vm_free(vm);
}

TEST(gsi_routing_needs_irqchip)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_irq_routing routing = { .nr = 0 };

	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_GSI_ROUTING, &routing));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_GSI_ROUTING, NULL));
	EXPECT_EQ(EFAULT, errno);
	vm_free(vm);
}

static uint32_t get_mp_state(struct kvm_vcpu *vcpu)
{
	struct kvm_mp_state mp = { .mp_state = ~0u };

	TEST_ASSERT(!ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp), "KVM_GET_MP_STATE: %d", errno);
	return mp.mp_state;
}

TEST(mp_state)
{
	static const uint32_t needs_lapic[] = {
		KVM_MP_STATE_UNINITIALIZED, KVM_MP_STATE_INIT_RECEIVED, KVM_MP_STATE_HALTED,
		KVM_MP_STATE_SIPI_RECEIVED, KVM_MP_STATE_AP_RESET_HOLD,
		KVM_MP_STATE_STOPPED, 1000,
	};
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	unsigned int i;

	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, get_mp_state(vcpu));
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp));
	for (i = 0; i < ARRAY_SIZE(needs_lapic); i++) {
		mp.mp_state = needs_lapic[i];
		EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp))
			TH_LOG("state %u accepted", needs_lapic[i]);
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(KVM_MP_STATE_RUNNABLE, get_mp_state(vcpu));
	}
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_MP_STATE, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_GET_MP_STATE, NULL));
	EXPECT_EQ(EFAULT, errno);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(vapic_and_tpr_reporting)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_vapic_addr va = { .vapic_addr = 0x8000 };
	struct kvm_tpr_access_ctl tac = { .enabled = 1 };

	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, &va));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_TPR_ACCESS_REPORTING, &tac));
	tac.flags = 1;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_TPR_ACCESS_REPORTING, &tac));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_TPR_ACCESS_REPORTING, NULL));
	EXPECT_EQ(EFAULT, errno);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(vapic_with_lapic)
{
	struct kvm_vm *vm = vm_create_split();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_vapic_addr va = { .vapic_addr = 0 };

	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, &va));
	va.vapic_addr = DATA_GPA;
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, &va));
	va.vapic_addr = GUEST_MEM_SIZE - 4;
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, &va));
	va.vapic_addr = GUEST_MEM_SIZE - 2;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, &va));
	EXPECT_EQ(EINVAL, errno);
	va.vapic_addr = 0x40000000;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, &va));
	EXPECT_EQ(EINVAL, errno);
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
