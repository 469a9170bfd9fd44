/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For the in-kernel LAPIC tests: a VM with KVM_CAP_SPLIT_IRQCHIP (LAPICs
 * in the kernel on both devices), 32-bit flat protected-mode guests that
 * reach the xAPIC page at 0xfee00000, and their IDT of interrupt gates.
 */
#ifndef MINIKVM_LAPIC_UTIL_H
#define MINIKVM_LAPIC_UTIL_H

#include <sys/ioctl.h>

#include "kvm_util.h"

#define APIC_GPA	0xfee00000ul
#define IOAPIC_PINS	24

static inline struct kvm_vm *vm_create_split(void)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { IOAPIC_PINS } };

	TEST_ASSERT(!ioctl(vm->fd, KVM_ENABLE_CAP, &cap), "KVM_CAP_SPLIT_IRQCHIP");
	return vm;
}

/*
 * A 32-bit interrupt gate for @vec to @handler in the IDT of
 * vcpu_setup_prot32_idt() (exceptions reported at PORT_EXC).
 */
static inline void idt32_set(struct kvm_vm *vm, int vec, uint64_t handler)
{
	uint64_t *idt = vm_gpa(vm, IDT_GPA);

	idt[vec] = (handler & 0xffff) | ((uint64_t)SEL_CODE32 << 16) | (0x8eull << 40) |
		   ((handler >> 16) & 0xffff) << 48;
}

static inline uint32_t lapic_reg(const struct kvm_lapic_state *s, int off)
{
	return *(const uint32_t *)(s->regs + off);
}

static inline uint32_t vcpu_mp_state(struct kvm_vcpu *vcpu)
{
	struct kvm_mp_state mp;

	TEST_ASSERT(!ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp), "KVM_GET_MP_STATE");
	return mp.mp_state;
}

static inline int vcpu_set_mp_state(struct kvm_vcpu *vcpu, uint32_t state)
{
	struct kvm_mp_state mp = { .mp_state = state };

	return ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp);
}

#endif /* MINIKVM_LAPIC_UTIL_H */
