/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the chipset (irq/pic.c, irq/ioapic.c, irq/routing.c,
 * irq/irqfd.c, irq/chipset.c): the calls between its parts. The
 * interface to the LAPIC side and the PIT is irq/irqchip.h.
 *
 * Locks, outermost first: vm->lock (creation), the routing mutex
 * (replacing the table), then one chip's spinlock (pic->lock or
 * ioapic->lock), never two chips' at once. A chip calls out of itself
 * (minikvm_irq_deliver() excepted) only after dropping its lock: the
 * acknowledgement of a pin (minikvm_irqchip_acked()) may raise another
 * line, and minikvm_lapic_extint_raised() may kick a vCPU.
 */
#ifndef MINIKVM_IRQ_CHIPSET_H
#define MINIKVM_IRQ_CHIPSET_H

#include <linux/kvm.h>
#include <linux/types.h>

#include "core/minikvm.h"

/* KVM's fixed irq source ids: KVM_IRQ_LINE's, and irqfd resampling's. */
#define MINIKVM_USERSPACE_IRQ_SOURCE_ID		0
#define MINIKVM_IRQFD_RESAMPLE_IRQ_SOURCE_ID	1
/* Source ids are bits of an unsigned long, as KVM's irq_sources_bitmap. */
#define MINIKVM_NR_IRQ_SOURCES			BITS_PER_LONG

/* No shorthand in the ICR's bits 19:18; <asm/apicdef.h> names only the others. */
#ifndef APIC_DEST_NOSHORT
#define APIC_DEST_NOSHORT	0x0
#endif

#define MINIKVM_PIC_PINS	16	/* master 0-7, slave 8-15 */
#define MINIKVM_IOAPIC_BASE	0xfec00000ULL
#define MINIKVM_IOAPIC_SIZE	0x100

/*
 * One line's level: the OR of every source's (KVM's
 * __kvm_irq_line_state()). @state has one bit per source id.
 */
static inline int minikvm_irq_line_or(unsigned long *state, int source, int level)
{
	if (level)
		__set_bit(source, state);
	else
		__clear_bit(source, state);
	return *state != 0;
}

/* irq/pic.c */
int minikvm_pic_create(struct minikvm_vm *vm);
void minikvm_pic_destroy(struct minikvm_vm *vm);
int minikvm_pic_set_irq(struct minikvm_vm *vm, unsigned int pin, int source, int level);
void minikvm_pic_clear_source(struct minikvm_vm *vm, int source);
void minikvm_pic_get_state(struct minikvm_vm *vm, unsigned int chip, struct kvm_pic_state *s);
void minikvm_pic_set_state(struct minikvm_vm *vm, unsigned int chip,
			   const struct kvm_pic_state *s);
void minikvm_pic_update(struct minikvm_vm *vm);

/* irq/ioapic.c */
int minikvm_ioapic_create(struct minikvm_vm *vm);
void minikvm_ioapic_destroy(struct minikvm_vm *vm);
int minikvm_ioapic_set_irq(struct minikvm_vm *vm, unsigned int pin, int source, int level);
void minikvm_ioapic_clear_source(struct minikvm_vm *vm, int source);
void minikvm_ioapic_get_state(struct minikvm_vm *vm, struct kvm_ioapic_state *s);
void minikvm_ioapic_set_state(struct minikvm_vm *vm, const struct kvm_ioapic_state *s);

/* irq/routing.c */
int minikvm_irq_vm_init(struct minikvm_vm *vm);
int minikvm_routing_default(struct minikvm_vm *vm);
void minikvm_routing_destroy(struct minikvm_vm *vm);
int minikvm_set_gsi_routing(struct minikvm_vm *vm, struct kvm_irq_routing __user *urouting);
int minikvm_signal_msi(struct minikvm_vm *vm, const struct kvm_msi *msi);
/* Pin @pin of @chip (KVM_IRQCHIP_*) was acknowledged: tell who listens. */
void minikvm_irqchip_acked(struct minikvm_vm *vm, unsigned int chip, unsigned int pin);

/* irq/irqfd.c */
int minikvm_irqfd_init(void);
void minikvm_irqfd_exit(void);
void minikvm_irqfd_vm_init(struct minikvm_vm *vm);
int minikvm_irqfd(struct minikvm_vm *vm, const struct kvm_irqfd *args);
void minikvm_irqfd_release(struct minikvm_vm *vm);
void minikvm_irqfd_resample(struct minikvm_vm *vm, u32 gsi);

/* irq/chipset.c: the VM ioctls; -ENOTTY for one that is not the chipset's. */
long minikvm_chipset_ioctl(struct minikvm_vm *vm, unsigned int ioctl, void __user *argp);
void minikvm_chipset_destroy(struct minikvm_vm *vm);

#endif /* MINIKVM_IRQ_CHIPSET_H */
