// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU side of irq/irqchip.h for a VM without LAPICs: a message
 * reaches nobody. Replaced by irq/lapic*.c when the in-kernel LAPIC lands.
 */
#include "irq/irqchip.h"

int minikvm_irq_deliver(struct minikvm_vm *vm, struct minikvm_vcpu *src,
			const struct minikvm_lapic_irq *irq)
{
	return -1;
}

void minikvm_lapic_extint_raised(struct minikvm_vm *vm)
{
}
