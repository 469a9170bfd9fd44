// SPDX-License-Identifier: GPL-2.0
/*
 * The chipset's half of irq/irqchip.h for a VM without one: no IOAPIC
 * waits for an EOI, no PIC has an interrupt. Replaced by irq/pic.c and
 * irq/ioapic.c when KVM_CREATE_IRQCHIP lands.
 */
#include <linux/errno.h>

#include "irq/irqchip.h"

int minikvm_irqchip_set_irq(struct minikvm_vm *vm, int irq_source_id, u32 gsi, int level)
{
	return -ENXIO;
}

void minikvm_ioapic_eoi(struct minikvm_vcpu *vcpu, u8 vector)
{
}

bool minikvm_pic_has_interrupt(struct minikvm_vm *vm)
{
	return false;
}

int minikvm_pic_read_irq(struct minikvm_vm *vm)
{
	return -1;
}
