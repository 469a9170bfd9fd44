// SPDX-License-Identifier: GPL-2.0
/*
 * PCI configuration mechanism 1 (PCI Local Bus Specification 3.0, 3.2.2.3.2)
 * with an empty bus: 0xcf8 holds the 32-bit address, 0xcfc-0xcff read all
 * ones (no device answers) and drop writes. 0xcf9 is the PIIX/ICH reset
 * control register: writing it with bit 2 (reset CPU) set resets the
 * machine, which is one of the ways Linux reboots ("reboot=p").
 */
#include <string.h>

#include "mkvm.h"

#define PCI_CONFIG	0xcf8
#define RST_CNT_OFF	1
#define RST_CPU		0x04
#define DATA_OFF	4

static struct pci {
	struct mkvm_device dev;
	uint32_t address;
} pci;

static void pci_access(struct mkvm_vm *vm, struct mkvm_device *dev, uint64_t off,
		       uint8_t *data, unsigned int size, int write)
{
	(void)dev;
	if (off >= DATA_OFF) {
		if (!write)
			memset(data, 0xff, size);
		return;
	}
	if (off == 0 && size == 4) {
		if (write)
			memcpy(&pci.address, data, 4);
		else
			memcpy(data, &pci.address, 4);
		return;
	}
	if (off == RST_CNT_OFF && size == 1 && write && (data[0] & RST_CPU)) {
		mkvm_vm_stop(vm, MKVM_OK, "guest reset (0xcf9, reboot)");
		return;
	}
	if (!write)		/* other pieces of the address register */
		memset(data, 0, size);
}

int mkvm_pci_init(struct mkvm_vm *vm)
{
	pci = (struct pci){ .dev = { .name = "pci config mechanism 1, empty bus; 0xcf9 reset",
				     .sizes = 1 << 1 | 1 << 2 | 1 << 4,
				     .access = pci_access, .irq = -1 } };
	return mkvm_bus_register(vm, MKVM_PIO, PCI_CONFIG, 8, &pci.dev);
}
