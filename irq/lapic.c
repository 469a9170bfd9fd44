// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel LAPIC's life and state: creation with the vCPU when the
 * VM has an irqchip (KVM_CAP_SPLIT_IRQCHIP or KVM_CREATE_IRQCHIP), KVM's
 * reset values, IA32_APIC_BASE with KVM's kvm_set_apic_base() rules,
 * CR8 as TPR[7:4], and KVM_GET_LAPIC/KVM_SET_LAPIC with KVM's 1 KiB
 * register page (struct kvm_lapic_state).
 *
 * Environment: the vCPU thread, vcpu->mutex held, vCPU loaded; creation
 * before the vCPU is visible.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "core/request.h"
#include "irq/apic.h"
#include "irq/lapic.h"

/* KVM's version register: 6 LVTs (no CMCI), directed EOI with x2APIC and the IOAPIC in userspace. */
static void lapic_set_version(struct minikvm_lapic *apic)
{
	u32 v = LAPIC_VERSION | ((LAPIC_NR_LVT - 1) << 16);

	if (minikvm_cpuid_has(apic->vcpu, 1, CPUID_ECX, X86_FEATURE_X2APIC) &&
	    !minikvm_irqchip_kernel(apic->vcpu->vm))
		v |= APIC_LVR_DIRECTED_EOI;
	lapic_set_reg(apic, APIC_LVR, v);
}

/* KVM_SET_CPUID2 changed what the version register says. */
void minikvm_lapic_cpuid_changed(struct minikvm_vcpu *vcpu)
{
	if (vcpu->apic)
		lapic_set_version(vcpu->apic);
}

static u32 lapic_x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1 << (id & 0xf));
}

/**
 * minikvm_lapic_reset() - KVM's kvm_lapic_reset()
 * @vcpu: the vCPU
 * @init: an INIT, not a power-on reset: the APIC ID and IA32_APIC_BASE stay
 */
void minikvm_lapic_reset(struct minikvm_vcpu *vcpu, bool init)
{
	struct minikvm_lapic *apic = vcpu->apic;
	int i;

	if (!apic)
		return;
	minikvm_lapic_timer_cancel(apic);
	if (!init)
		lapic_set_reg(apic, APIC_ID, vcpu->id << 24);
	lapic_set_version(apic);
	for (i = 0; i < LAPIC_NR_LVT; i++)
		lapic_set_reg(apic, APIC_LVTT + 0x10 * i, APIC_LVT_MASKED);
	/* KVM_X86_QUIRK_LINT0_REENABLED, on by default: the BSP's LINT0 takes ExtINT. */
	if (vcpu->id == vcpu->vm->bsp_vcpu_id)
		lapic_set_reg(apic, APIC_LVT0, APIC_DM_EXTINT);
	apic->timer_mode = 0;
	lapic_set_reg(apic, APIC_DFR, 0xffffffff);
	lapic_set_reg(apic, APIC_SPIV, 0xff);
	lapic_set_reg(apic, APIC_TASKPRI, 0);
	if (!lapic_x2apic_mode(apic))
		lapic_set_reg(apic, APIC_LDR, 0);
	lapic_set_reg(apic, APIC_ESR, 0);
	lapic_set_reg(apic, APIC_ICR, 0);
	lapic_set_reg(apic, APIC_ICR2, 0);
	if (lapic_x2apic_mode(apic))
		lapic_set_reg(apic, APIC_ICR + 4, 0);
	minikvm_lapic_timer_set_divide(apic, 0);
	lapic_set_reg(apic, APIC_TMICT, 0);
	for (i = 0; i < 8; i++) {
		lapic_set_reg(apic, APIC_IRR + 0x10 * i, 0);
		lapic_set_reg(apic, APIC_ISR + 0x10 * i, 0);
		lapic_set_reg(apic, APIC_TMR + 0x10 * i, 0);
	}
	/* What was posted before the reset is gone with the IRR. */
	memset(apic->pi->pir, 0, sizeof(apic->pi->pir));
	clear_bit(MINIKVM_PI_ON, &apic->pi->control);
	apic->tsc_deadline = 0;
	apic->pending_extint = -1;
	minikvm_lapic_ppr(apic);
	/* TPR may have dropped: the TPR threshold is recomputed before entry. */
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
}

/**
 * minikvm_lapic_create() - the LAPIC of a new vCPU, if the VM has an irqchip
 * @vcpu: the vCPU, reset by the vendor, not yet visible
 *
 * The first LAPIC of the VM puts the xAPIC page on the MMIO bus; the
 * vendor decides what APIC virtualization its vCPUs use.
 * Application processors wait for INIT/SIPI (KVM_MP_STATE_UNINITIALIZED).
 *
 * Return: 0 or -errno.
 */
int minikvm_lapic_create(struct minikvm_vcpu *vcpu)
{
	struct minikvm_vm *vm = vcpu->vm;
	struct minikvm_lapic *apic;
	int ret = 0;

	if (!minikvm_irqchip_in_kernel(vm))
		return 0;
	apic = kzalloc(sizeof(*apic), GFP_KERNEL_ACCOUNT);
	if (!apic)
		return -ENOMEM;
	apic->regs = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	/* kmalloc's 64-byte objects are 64-byte aligned. */
	apic->pi = kzalloc(sizeof(*apic->pi), GFP_KERNEL_ACCOUNT);
	if (!apic->regs || !apic->pi) {
		ret = -ENOMEM;
		goto err;
	}
	mutex_lock(&vm->lock);
	/* One per VM, used only where the CPU virtualizes APIC accesses. */
	if (!vm->apic_access_page)
		vm->apic_access_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!vm->apic_access_page)
		ret = -ENOMEM;
	if (!ret && !vm->apic_mmio.ops) {
		vm->apic_mmio.ops = &minikvm_lapic_mmio_ops;
		ret = minikvm_io_bus_register(vm, MINIKVM_MMIO_BUS, APIC_DEFAULT_PHYS_BASE,
					      LAPIC_MMIO_LEN, &vm->apic_mmio);
		if (ret)
			vm->apic_mmio.ops = NULL;
	}
	mutex_unlock(&vm->lock);
	if (ret)
		goto err;
	apic->vcpu = vcpu;
	minikvm_lapic_timer_init(apic);
	vcpu->apic = apic;
	minikvm_lapic_reset(vcpu, false);
	/*
	 * The register page doubles as the virtual-APIC page, the PIR as
	 * the CPU's posted-interrupt descriptor (vmx/apicv.c).
	 */
	mvmx_vcpu_apic_create(vcpu, apic->regs, apic->pi, vm->apic_access_page);
	if (!(vcpu->msr_apic_base & MSR_IA32_APICBASE_BSP))
		vcpu->mp_state = KVM_MP_STATE_UNINITIALIZED;
	return 0;
err:
	kfree(apic->pi);
	free_page((unsigned long)apic->regs);
	kfree(apic);
	return ret;
}

/* The VM is going: its APIC-access page, after every vCPU. */
void minikvm_lapic_vm_destroy(struct minikvm_vm *vm)
{
	if (vm->apic_access_page)
		__free_page(vm->apic_access_page);
	vm->apic_access_page = NULL;
}

void minikvm_lapic_free(struct minikvm_vcpu *vcpu)
{
	struct minikvm_lapic *apic = vcpu->apic;

	if (!apic)
		return;
	hrtimer_cancel(&apic->timer);
	kfree(apic->pi);
	free_page((unsigned long)apic->regs);
	kfree(apic);
	vcpu->apic = NULL;
}

/**
 * minikvm_set_apic_base() - write IA32_APIC_BASE (KVM's kvm_set_apic_base())
 * @vcpu: the vCPU
 * @data: the new value, valid as mvmx_apic_base_valid() checks
 * @host: KVM_SET_MSRS or KVM_SET_SREGS, not the guest
 *
 * The guest may not go from x2APIC back to xAPIC, nor from disabled
 * straight to x2APIC (SDM Vol. 3A, "x2APIC State Transitions"), nor flip
 * BSP. Enabling gives the xAPIC ID back; entering x2APIC mode makes the
 * ID the vCPU id and the LDR the one derived from it.
 *
 * Return: 0, or 1 for a value refused (#GP, or the ioctl stops).
 */
int minikvm_set_apic_base(struct minikvm_vcpu *vcpu, u64 data, bool host)
{
	struct minikvm_lapic *apic = vcpu->apic;
	u64 old = vcpu->msr_apic_base;

	if (!host) {
		if ((old & X2APIC_ENABLE) && !(data & X2APIC_ENABLE) &&
		    (data & MSR_IA32_APICBASE_ENABLE))
			return 1;
		if (!(old & MSR_IA32_APICBASE_ENABLE) && (data & X2APIC_ENABLE))
			return 1;
		/* minikvm's rule, not KVM's: the guest cannot flip BSP. */
		if ((data ^ old) & MSR_IA32_APICBASE_BSP)
			return 1;
	}
	vcpu->msr_apic_base = data;
	if (!apic)
		return 0;
	if ((old ^ data) & data & MSR_IA32_APICBASE_ENABLE)
		lapic_set_reg(apic, APIC_ID, vcpu->id << 24);
	if ((old ^ data) & data & X2APIC_ENABLE) {
		lapic_set_reg(apic, APIC_ID, vcpu->id);
		lapic_set_reg(apic, APIC_LDR, lapic_x2apic_ldr(vcpu->id));
	}
	if (old != data)
		mvmx_apic_mode_changed(vcpu);
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
	return 0;
}

/* CR8 is TPR[7:4] with the LAPIC in the kernel, else the VMM's value. */
u64 minikvm_get_cr8(struct minikvm_vcpu *vcpu)
{
	if (!vcpu->apic)
		return vcpu->cr8;
	return lapic_get_reg(vcpu->apic, APIC_TASKPRI) >> 4;
}

void minikvm_set_cr8(struct minikvm_vcpu *vcpu, u64 cr8)
{
	if (!vcpu->apic) {
		vcpu->cr8 = cr8;
		return;
	}
	lapic_set_reg(vcpu->apic, APIC_TASKPRI, (cr8 & 15) << 4);
	minikvm_lapic_ppr(vcpu->apic);
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
}

/*
 * KVM_INTERRUPT with the LAPIC here: only the split irqchip's ExtINT,
 * held until LINT0 takes it (KVM's pending_external_vector).
 */
int minikvm_lapic_interrupt(struct minikvm_vcpu *vcpu, u32 vector)
{
	if (minikvm_irqchip_kernel(vcpu->vm))
		return -ENXIO;
	if (vcpu->apic->pending_extint >= 0)
		return -EEXIST;
	vcpu->apic->pending_extint = vector;
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
	return 0;
}

/*
 * In x2APIC mode the page holds the 32-bit ID and a 64-bit ICR; userspace
 * sees the xAPIC layout (ID in bits 31:24, ICR split into ICR and ICR2),
 * KVM's kvm_apic_state_fixup() without KVM_X2APIC_API_USE_32BIT_IDS.
 */
static long lapic_get_state(struct minikvm_vcpu *vcpu, struct kvm_lapic_state __user *u)
{
	struct minikvm_lapic *apic = vcpu->apic;
	struct kvm_lapic_state *s;
	long ret = 0;

	s = kmalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	minikvm_lapic_fold_pir(apic);
	memcpy(s->regs, apic->regs, sizeof(s->regs));
	if (lapic_x2apic_mode(apic)) {
		*(u32 *)(s->regs + APIC_ID) <<= 24;
		*(u32 *)(s->regs + APIC_ICR2) = lapic_get_reg(apic, APIC_ICR + 4);
		*(u32 *)(s->regs + APIC_ICR + 4) = 0;
	}
	*(u32 *)(s->regs + APIC_TMCCT) = minikvm_lapic_timer_current(apic);
	if (copy_to_user(u, s, sizeof(*s)))
		ret = -EFAULT;
	kfree(s);
	return ret;
}

static long lapic_set_state(struct minikvm_vcpu *vcpu, struct kvm_lapic_state __user *u)
{
	struct minikvm_lapic *apic = vcpu->apic;
	struct kvm_lapic_state *s;
	u32 tmcct;

	s = memdup_user(u, sizeof(*s));
	if (IS_ERR(s))
		return PTR_ERR(s);
	minikvm_lapic_timer_cancel(apic);
	if (lapic_x2apic_mode(apic)) {
		u32 id = *(u32 *)(s->regs + APIC_ID) >> 24;

		*(u32 *)(s->regs + APIC_ID) = id;
		*(u32 *)(s->regs + APIC_LDR) = lapic_x2apic_ldr(id);
		*(u32 *)(s->regs + APIC_ICR + 4) = *(u32 *)(s->regs + APIC_ICR2);
	}
	memcpy(apic->regs, s->regs, sizeof(s->regs));
	kfree(s);
	/* Posted but not folded: older than the state just loaded. */
	memset(apic->pi->pir, 0, sizeof(apic->pi->pir));
	clear_bit(MINIKVM_PI_ON, &apic->pi->control);
	lapic_set_version(apic);
	minikvm_lapic_ppr(apic);
	tmcct = lapic_get_reg(apic, APIC_TMCCT);
	lapic_set_reg(apic, APIC_TMCCT, 0);
	apic->timer_mode = lapic_get_reg(apic, APIC_LVTT) & LAPIC_LVT_TIMER_MODE;
	apic->tsc_deadline = 0;
	minikvm_lapic_timer_set_divide(apic, lapic_get_reg(apic, APIC_TDCR) & 0xb);
	if (!minikvm_lapic_timer_tscdeadline_mode(apic))
		minikvm_lapic_timer_restore(apic, tmcct);
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
	return 0;
}

/* KVM_GET/SET_LAPIC: -EINVAL without an in-kernel LAPIC, as KVM. */
long minikvm_lapic_ioctl(struct minikvm_vcpu *vcpu, unsigned int ioctl, void __user *argp)
{
	switch (ioctl) {
	case KVM_GET_LAPIC:
		return vcpu->apic ? lapic_get_state(vcpu, argp) : -EINVAL;
	case KVM_SET_LAPIC:
		return vcpu->apic ? lapic_set_state(vcpu, argp) : -EINVAL;
	}
	return -ENOIOCTLCMD;
}
