// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt messages: which LAPICs an ICR write, an MSI or an IOAPIC
 * entry names, and what each of them does with it (SDM Vol. 3A,
 * "Determining IPI Destination" and "Interrupt Command Register (ICR)";
 * KVM's kvm_irq_delivery_to_apic() slow path and __apic_accept_irq()).
 * And the end of an interrupt: EOI.
 *
 * A message is accepted by atomic operations on the target's posted-
 * interrupt descriptor and pending_events only (irq/posted.c), so any
 * thread may send one: the sender's vCPU thread, the hrtimer, a device.
 */
#include <linux/kernel.h>

#include "core/request.h"
#include "core/trace.h"
#include "irq/apic.h"
#include "irq/lapic.h"

#define X2APIC_BROADCAST	0xffffffffu
/* ICR bits 19:18, the destination shorthand. */
#define LAPIC_ICR_SHORTHAND	(3 << 18)

static bool lapic_match_physical(struct minikvm_lapic *apic, u32 dest)
{
	if (lapic_x2apic_mode(apic))
		return dest == X2APIC_BROADCAST || dest == lapic_id(apic);
	return dest == 0xff || dest == lapic_id(apic);
}

/* SDM Vol. 3A, "Logical Destination Mode": flat and cluster models. */
static bool lapic_match_logical(struct minikvm_lapic *apic, u32 dest)
{
	u32 ldr = lapic_get_reg(apic, APIC_LDR);

	if (lapic_x2apic_mode(apic))
		return dest == X2APIC_BROADCAST ||
		       ((ldr >> 16) == (dest >> 16) && (ldr & dest & 0xffff));
	if ((dest & 0xff) == 0xff)
		return true;
	ldr >>= 24;
	dest &= 0xff;
	switch (lapic_get_reg(apic, APIC_DFR) >> 28) {
	case 0xf:		/* flat */
		return ldr & dest;
	case 0x0:		/* cluster */
		return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);
	}
	return false;
}

static bool lapic_matches(struct minikvm_lapic *apic, struct minikvm_lapic *src,
			  const struct minikvm_lapic_irq *irq)
{
	switch (irq->shorthand) {
	case APIC_DEST_SELF:
		return apic == src;
	case APIC_DEST_ALLINC:
		return true;
	case APIC_DEST_ALLBUT:
		return apic != src;
	}
	return irq->dest_logical ? lapic_match_logical(apic, irq->dest_id) :
	       lapic_match_physical(apic, irq->dest_id);
}

bool minikvm_lapic_irq_names(struct minikvm_vcpu *vcpu, const struct minikvm_lapic_irq *irq)
{
	return vcpu->apic && lapic_matches(vcpu->apic, NULL, irq);
}

/* What @apic does with @irq (KVM's __apic_accept_irq()). Return: took it. */
static bool lapic_accept(struct minikvm_lapic *apic, const struct minikvm_lapic_irq *irq)
{
	struct minikvm_vcpu *vcpu = apic->vcpu;
	unsigned long *tmr;

	switch (irq->delivery_mode) {
	case APIC_DM_LOWEST:
	case APIC_DM_FIXED:
		if (irq->trig_level && !irq->level)
			return false;
		if (!lapic_enabled(apic))
			return false;
		/* The TMR bit says where the EOI goes; set before the vector is seen. */
		tmr = apic->regs + APIC_TMR + LAPIC_VEC_WORD(irq->vector);
		if (irq->trig_level)
			set_bit(LAPIC_VEC_BIT(irq->vector), tmr);
		else
			clear_bit(LAPIC_VEC_BIT(irq->vector), tmr);
		minikvm_lapic_post(apic, irq->vector);
		return true;
	case APIC_DM_NMI:
		minikvm_lapic_post_nmi(vcpu);
		return true;
	case APIC_DM_INIT:
		if (irq->trig_level && !irq->level)
			return false;
		/* An INIT drops a SIPI sent before it, as KVM. */
		WRITE_ONCE(apic->pending_events, BIT(MINIKVM_APIC_INIT));
		break;
	case APIC_DM_STARTUP:
		WRITE_ONCE(apic->sipi_vector, irq->vector);
		/* The vector before the bit: the vCPU reads them the other way round. */
		smp_wmb();
		set_bit(MINIKVM_APIC_SIPI, &apic->pending_events);
		break;
	default:
		/* SMI, remote read, ExtINT by message: not modelled, as KVM. */
		return false;
	}
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
	minikvm_vcpu_kick(vcpu);
	return true;
}

/**
 * minikvm_irq_deliver() - send an interrupt message to the LAPICs it names
 * @vm: the VM
 * @src: the sending vCPU for the shorthands and self, NULL for a device
 * @irq: the message
 *
 * Lowest priority goes to one LAPIC only: the first enabled match in vCPU
 * creation order, a fixed choice the SDM allows (the arbitration is model
 * specific) and that KVM's tests accept.
 *
 * Return: how many LAPICs took it, or -1 when none matched.
 */
int minikvm_irq_deliver(struct minikvm_vm *vm, struct minikvm_vcpu *src,
			const struct minikvm_lapic_irq *irq)
{
	struct minikvm_lapic *sapic = src ? src->apic : NULL;
	/* Pairs with the release in minikvm_create_vcpu(): vcpus[] is filled. */
	unsigned int i, n = smp_load_acquire(&vm->nr_vcpus);
	int taken = -1;

	for (i = 0; i < n; i++) {
		struct minikvm_lapic *apic = vm->vcpus[i]->apic;

		if (!apic || !lapic_hw_enabled(apic) || !lapic_matches(apic, sapic, irq))
			continue;
		if (irq->delivery_mode == APIC_DM_LOWEST && !lapic_enabled(apic))
			continue;
		if (taken < 0)
			taken = 0;
		taken += lapic_accept(apic, irq);
		if (irq->delivery_mode == APIC_DM_LOWEST)
			break;
	}
	return taken;
}

/* An ICR write: @dest is the destination field, 8 bits in xAPIC mode. */
void minikvm_lapic_send_ipi(struct minikvm_lapic *apic, u32 icr_low, u32 dest)
{
	struct minikvm_lapic_irq irq = {
		.vector = icr_low & APIC_VECTOR_MASK,
		.delivery_mode = icr_low & APIC_MODE_MASK,
		.dest_logical = icr_low & APIC_DEST_LOGICAL,
		.level = icr_low & APIC_INT_ASSERT,
		.trig_level = icr_low & APIC_INT_LEVELTRIG,
		.shorthand = icr_low & LAPIC_ICR_SHORTHAND,
		.dest_id = dest,
	};

	trace_minikvm_apic_ipi(apic->vcpu, icr_low, dest);
	minikvm_irq_deliver(apic->vcpu->vm, apic->vcpu, &irq);
}

/*
 * EOI: the highest in-service vector is done (SDM Vol. 3A, "EOI
 * Register"). The in-kernel IOAPIC hears every EOI, edge ones too: the
 * PIT's reinjection waits for the EOI of its edge pin's vector, as KVM's
 * ack notifiers do (an edge pin with a listener is in KVM's
 * ioapic_handled_vectors). With the split irqchip the VMM's IOAPIC gets,
 * with KVM_EXIT_IOAPIC_EOI, the EOI of each vector its reserved pins'
 * routes name for this LAPIC, as KVM (which looks there, not at TMR).
 * The request makes the next entry look at what the lower PPR lets in
 * (and, with virtual-interrupt delivery, write the new SVI).
 */
static void lapic_eoi_done(struct minikvm_lapic *apic, int vec)
{
	struct minikvm_vcpu *vcpu = apic->vcpu;

	trace_minikvm_apic_eoi(vcpu, vec);
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
	if (minikvm_irqchip_split(vcpu->vm)) {
		if (!minikvm_split_ioapic_vector(vcpu, vec))
			return;
		vcpu->pending_ioapic_eoi = vec;
		minikvm_make_request(MINIKVM_REQ_IOAPIC_EOI_EXIT, vcpu);
	} else {
		minikvm_ioapic_eoi(vcpu, vec, lapic_test_vec(apic, APIC_TMR, vec));
	}
}

/* An EOI write the host emulates: the highest ISR bit goes, PPR follows. */
void minikvm_lapic_eoi(struct minikvm_lapic *apic)
{
	int vec = minikvm_lapic_highest_isr(apic);

	if (vec < 0)
		return;
	*(u32 *)(apic->regs + APIC_ISR + LAPIC_VEC_WORD(vec)) &= ~BIT(LAPIC_VEC_BIT(vec));
	minikvm_lapic_ppr(apic);
	lapic_eoi_done(apic, vec);
}

/*
 * An EOI the CPU virtualized (virtual-interrupt delivery) of a vector
 * the EOI-exit bitmap names: ISR, SVI and PPR are already done in the
 * page (vmx/apicv.c, EOI-induced exit); what is left is the rest.
 */
void minikvm_lapic_eoi_induced(struct minikvm_vcpu *vcpu, u8 vec)
{
	if (vcpu->apic)
		lapic_eoi_done(vcpu->apic, vec);
}

/* The PIC's INTR rose: every vCPU looks whether its LINT0 takes ExtINT. */
void minikvm_lapic_extint_raised(struct minikvm_vm *vm)
{
	/* Pairs with the release in minikvm_create_vcpu(). */
	unsigned int i, n = smp_load_acquire(&vm->nr_vcpus);

	for (i = 0; i < n; i++) {
		struct minikvm_vcpu *vcpu = vm->vcpus[i];

		if (!vcpu->apic)
			continue;
		minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
		minikvm_vcpu_kick(vcpu);
	}
}
