// SPDX-License-Identifier: GPL-2.0
/*
 * The PIT's half of irq/irqchip.h for a VM without one: an
 * acknowledgement of IRQ 0 concerns nobody. Replaced by irq/pit.c when
 * KVM_CREATE_PIT2 lands.
 */
#include "irq/irqchip.h"

void minikvm_pit_irq_acked(struct minikvm_vm *vm)
{
}
