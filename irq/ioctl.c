// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU ioctls of interrupt delivery without an in-kernel irqchip,
 * answered as KVM's kvm_arch_vcpu_ioctl() answers them for such a VM:
 *
 *   KVM_INTERRUPT          the vector is injected with the next entry; with
 *                          the split irqchip, an ExtINT for LINT0 (irq/lapic.c)
 *   KVM_NMI                an NMI is queued (KVM_REQ_NMI in KVM)
 *   KVM_GET/SET_MP_STATE   RUNNABLE only without a LAPIC, every x86 state with
 *   KVM_GET/SET_LAPIC      irq/lapic.c
 *   KVM_SET_VAPIC_ADDR     -EINVAL without an in-kernel LAPIC; with one,
 *                          KVM's answers, the address not kept (below)
 *   KVM_TPR_ACCESS_REPORTING  accepted (flags must be 0), never reports:
 *                          there is no TPR access to report without a LAPIC
 *
 * A rejected call changes nothing.
 *
 * Environment: vCPU ioctl, vCPU loaded, vcpu->mutex held.
 */
#include <linux/kernel.h>
#include <linux/uaccess.h>

#include "core/minikvm.h"
#include "core/request.h"
#include "irq/apic.h"
#include "irq/event.h"

static long irq_interrupt(struct minikvm_vcpu *vcpu, struct kvm_interrupt __user *u)
{
	struct kvm_interrupt irq;

	if (copy_from_user(&irq, u, sizeof(irq)))
		return -EFAULT;
	if (irq.irq >= KVM_NR_INTERRUPTS)
		return -EINVAL;
	if (vcpu->apic)
		return minikvm_lapic_interrupt(vcpu, irq.irq);
	vcpu->interrupt.injected = true;
	vcpu->interrupt.soft = false;
	vcpu->interrupt.nr = irq.irq;
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
	return 0;
}

static long irq_nmi(struct minikvm_vcpu *vcpu)
{
	/* irq_process_nmi() keeps two at most: more need not be counted. */
	if (vcpu->nmi_queued < 2)
		vcpu->nmi_queued++;
	minikvm_make_request(MINIKVM_REQ_NMI, vcpu);
	return 0;
}

/* As KVM, a pending INIT or SIPI is taken first. */
static long irq_get_mp_state(struct minikvm_vcpu *vcpu, struct kvm_mp_state __user *u)
{
	struct kvm_mp_state mp;

	minikvm_lapic_accept_events(vcpu);
	mp.mp_state = vcpu->mp_state;
	return copy_to_user(u, &mp, sizeof(mp)) ? -EFAULT : 0;
}

/*
 * kvm_arch_vcpu_ioctl_set_mpstate(): UNINITIALIZED, HALTED, AP_RESET_HOLD,
 * INIT_RECEIVED and SIPI_RECEIVED need the in-kernel LAPIC; anything else
 * but RUNNABLE is not an x86 state.
 */
static long irq_set_mp_state(struct minikvm_vcpu *vcpu, struct kvm_mp_state __user *u)
{
	struct kvm_mp_state mp;

	if (copy_from_user(&mp, u, sizeof(mp)))
		return -EFAULT;
	switch (mp.mp_state) {
	case KVM_MP_STATE_RUNNABLE:
		break;
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_HALTED:
	case KVM_MP_STATE_AP_RESET_HOLD:
	case KVM_MP_STATE_INIT_RECEIVED:
	case KVM_MP_STATE_SIPI_RECEIVED:
		if (!vcpu->apic)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	/* SIPI_RECEIVED is a SIPI waiting for a vCPU in INIT_RECEIVED. */
	if (mp.mp_state == KVM_MP_STATE_SIPI_RECEIVED) {
		vcpu->mp_state = KVM_MP_STATE_INIT_RECEIVED;
		minikvm_lapic_sipi_pending(vcpu);
	} else {
		vcpu->mp_state = mp.mp_state;
	}
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
	return 0;
}

static long irq_tpr_access_reporting(struct kvm_tpr_access_ctl __user *u)
{
	struct kvm_tpr_access_ctl tac;

	if (copy_from_user(&tac, u, sizeof(tac)))
		return -EFAULT;
	if (tac.flags)
		return -EINVAL;
	return copy_to_user(u, &tac, sizeof(tac)) ? -EFAULT : 0;
}

/*
 * KVM_SET_VAPIC_ADDR with an in-kernel LAPIC answers as KVM's
 * kvm_lapic_set_vapic_addr(): 0 for address 0, else the four bytes there
 * must lie in writable memory slots, or -EINVAL. minikvm keeps no such
 * address and never writes the TPR to it: it reports KVM_CAP_VAPIC 0, as
 * it does no TPR-access patching (Documentation/ioctl.rst).
 */
static long irq_set_vapic_addr(struct minikvm_vcpu *vcpu, struct kvm_vapic_addr __user *u)
{
	struct mmu_vm *mmu = &vcpu->vm->mmu;
	struct kvm_vapic_addr va;
	u64 gfn, last;
	long ret = 0;

	if (!vcpu->apic)
		return -EINVAL;
	if (copy_from_user(&va, u, sizeof(va)))
		return -EFAULT;
	if (!va.vapic_addr)
		return 0;
	if (va.vapic_addr + sizeof(u32) - 1 < va.vapic_addr)
		return -EINVAL;
	last = (va.vapic_addr + sizeof(u32) - 1) >> PAGE_SHIFT;
	mutex_lock(&mmu->lock);
	for (gfn = va.vapic_addr >> PAGE_SHIFT; gfn <= last; gfn++) {
		struct mmu_slot *s = mmu_find_slot(mmu, gfn);

		if (!s || (s->flags & KVM_MEM_READONLY)) {
			ret = -EINVAL;
			break;
		}
	}
	mutex_unlock(&mmu->lock);
	return ret;
}

/**
 * minikvm_irq_ioctl() - the interrupt ioctls of a vCPU
 * @vcpu: the loaded vCPU
 * @ioctl: the ioctl number
 * @argp: its userspace argument
 *
 * Return: the ioctl's result, or -ENOIOCTLCMD for another ioctl.
 */
long minikvm_irq_ioctl(struct minikvm_vcpu *vcpu, unsigned int ioctl, void __user *argp)
{
	switch (ioctl) {
	case KVM_INTERRUPT:
		return irq_interrupt(vcpu, argp);
	case KVM_NMI:
		return irq_nmi(vcpu);
	case KVM_GET_MP_STATE:
		return irq_get_mp_state(vcpu, argp);
	case KVM_SET_MP_STATE:
		return irq_set_mp_state(vcpu, argp);
	case KVM_SET_VAPIC_ADDR:
		return irq_set_vapic_addr(vcpu, argp);
	case KVM_TPR_ACCESS_REPORTING:
		return irq_tpr_access_reporting(argp);
	}
	return minikvm_lapic_ioctl(vcpu, ioctl, argp);
}
