/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel interrupt controllers and the calls between their two
 * halves, in KVM's split:
 *
 *  - the vCPU side: one LAPIC per vCPU (irq/lapic*.c), which also takes
 *    the interrupt messages every source sends (ICR writes, MSIs, IOAPIC
 *    redirection entries) and posts them to the target vCPUs;
 *  - the chipset: the 8259 pair, the IOAPIC, the PIT and the GSI routing
 *    table (irq/pic.c, irq/ioapic.c, irq/pit.c, irq/routing.c), created
 *    by KVM_CREATE_IRQCHIP and KVM_CREATE_PIT2.
 *
 * Which of them the VM has is vm->irqchip_mode, set once, before the
 * first vCPU exists (KVM refuses both ioctls after it):
 *   NONE    no LAPIC: the VMM injects with KVM_INTERRUPT (irq/event.c)
 *   SPLIT   KVM_CAP_SPLIT_IRQCHIP: LAPICs here, IOAPIC and PIC in the VMM
 *   KERNEL  KVM_CREATE_IRQCHIP: all of them here
 */
#ifndef MINIKVM_IRQ_IRQCHIP_H
#define MINIKVM_IRQ_IRQCHIP_H

#include <linux/types.h>

#include "core/minikvm.h"

static inline bool minikvm_irqchip_split(const struct minikvm_vm *vm)
{
	return READ_ONCE(vm->irqchip_mode) == MINIKVM_IRQCHIP_SPLIT;
}

/* PIC and IOAPIC in the kernel (KVM's irqchip_kernel()). */
static inline bool minikvm_irqchip_kernel(const struct minikvm_vm *vm)
{
	return READ_ONCE(vm->irqchip_mode) == MINIKVM_IRQCHIP_KERNEL;
}

/* LAPICs in the kernel, split or whole (KVM's irqchip_in_kernel()). */
static inline bool minikvm_irqchip_in_kernel(const struct minikvm_vm *vm)
{
	return READ_ONCE(vm->irqchip_mode) != MINIKVM_IRQCHIP_NONE;
}

/*
 * An interrupt message, as an ICR write, an MSI or an IOAPIC redirection
 * entry says it (SDM Vol. 3A, "Interrupt Command Register (ICR)" and
 * "Message Signalled Interrupts"). Encodings are <asm/apicdef.h>'s.
 */
struct minikvm_lapic_irq {
	u32 dest_id;		/* APIC ID, or logical destination (xAPIC: 8 bits) */
	u32 delivery_mode;	/* APIC_DM_FIXED, _LOWEST, _SMI, _NMI, _INIT, _STARTUP, _EXTINT */
	u32 shorthand;		/* APIC_DEST_NOSHORT, _SELF, _ALLINC, _ALLBUT */
	u8 vector;
	bool dest_logical;	/* APIC_DEST_LOGICAL */
	bool level;		/* asserted (INIT de-assert has it clear) */
	bool trig_level;	/* level-triggered: the EOI goes back to the IOAPIC */
};

/* The vCPU side (irq/lapic*.c). */

/*
 * Send @irq to every LAPIC it names; @src is the sender for the
 * shorthands, NULL for a device. Returns how many LAPICs took it, or -1
 * when none matched (KVM's kvm_irq_delivery_to_apic()).
 */
int minikvm_irq_deliver(struct minikvm_vm *vm, struct minikvm_vcpu *src,
			const struct minikvm_lapic_irq *irq);
/* Whether @irq names @vcpu's LAPIC by its destination (no shorthand). */
bool minikvm_lapic_irq_names(struct minikvm_vcpu *vcpu, const struct minikvm_lapic_irq *irq);
/* The PIC's output rose: the vCPU whose LINT0 takes ExtINT must look. */
void minikvm_lapic_extint_raised(struct minikvm_vm *vm);

/* The chipset (irq/pic.c, irq/ioapic.c, irq/routing.c). */

/*
 * Drive GSI @gsi to @level for source @irq_source_id (KVM's kvm_set_irq(),
 * sources as KVM_USERSPACE_IRQ_SOURCE_ID and the PIT's): through the
 * routing table to the PIC, the IOAPIC or an MSI. Returns KVM_IRQ_LINE_STATUS's
 * value: > 0 delivered, 0 coalesced, -1 masked; -ENXIO without a chipset.
 */
int minikvm_irqchip_set_irq(struct minikvm_vm *vm, int irq_source_id, u32 gsi, int level);
/*
 * A source id of its own for an in-kernel device (the PIT), as KVM's
 * kvm_request_irq_source_id(): the first free one, or -EFAULT. Freeing
 * it lowers the source's share of every line.
 */
int minikvm_request_irq_source_id(struct minikvm_vm *vm);
void minikvm_free_irq_source_id(struct minikvm_vm *vm, int source);

/*
 * Split irqchip: whether the VMM's IOAPIC wants the EOI of @vector from
 * @vcpu (KVM_EXIT_IOAPIC_EOI): a level-triggered MSI route of one of the
 * reserved IOAPIC pins names it for this LAPIC (KVM's
 * kvm_scan_ioapic_routes(), asked at the EOI rather than kept).
 */
bool minikvm_split_ioapic_vector(struct minikvm_vcpu *vcpu, u8 vector);
/*
 * EOI of @vector at a LAPIC: the listeners of every pin with it hear the
 * acknowledgement; with @level (its TMR bit set) a level pin's remote IRR
 * clears.
 */
void minikvm_ioapic_eoi(struct minikvm_vcpu *vcpu, u8 vector, bool level);
/*
 * Every vector the in-kernel IOAPIC's redirection table names, edge or
 * level, masked or not, OR-ed into @bitmap (256 bits); nothing without
 * one. Lockless: the vCPU thread, IRQs off (the EOI-exit bitmap).
 */
void minikvm_ioapic_vectors(struct minikvm_vm *vm, u64 bitmap[4]);
/* The PIC has an interrupt for the INTA cycle. */
bool minikvm_pic_has_interrupt(struct minikvm_vm *vm);
/* The INTA cycle: the vector the PIC gives (and marks in service). */
int minikvm_pic_read_irq(struct minikvm_vm *vm);

/* The PIT (irq/pit*.c), called by the chipset. */

/*
 * The guest acknowledged the PIT's interrupt (INTA of IRQ 0 at the PIC,
 * or the EOI of the IOAPIC pin GSI 0 is routed to): under KVM's default
 * reinjection policy the next missed tick may go in.
 */
void minikvm_pit_irq_acked(struct minikvm_vm *vm);

#endif /* MINIKVM_IRQ_IRQCHIP_H */
