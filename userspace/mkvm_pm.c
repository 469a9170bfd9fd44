// SPDX-License-Identifier: GPL-2.0
/*
 * The ACPI fixed hardware the FADT (mkvm_acpi.c) points at: the PM1a event
 * block (status and enable, 2 bytes each) and the PM1a control block
 * (ACPI 6.4, 4.8.3 "PM1 Event Grouping" and 4.8.3.2 "PM1 Control
 * Registers"). No fixed event ever fires, so the SCI (IRQ 9) stays low.
 * SCI_EN reads as set: the machine is in ACPI mode from the start (the
 * FADT has no SMI command port). Writing SLP_EN with SLP_TYP 5, the
 * value the DSDT's \_S5 object gives, powers the machine off.
 */
#include <string.h>

#include "mkvm.h"

#define PM1_STS		0
#define PM1_EN		2
#define PM1_CNT		4
#define PM_LEN		6
#define CNT_SCI_EN	0x0001
#define CNT_SLP_TYP(v)	(((v) >> 10) & 7)
#define CNT_SLP_EN	0x2000

static struct pm {
	struct mkvm_device dev;
	uint16_t sts, en, cnt;
} pm;

static void pm_access(struct mkvm_vm *vm, struct mkvm_device *dev, uint64_t off,
		      uint8_t *data, unsigned int size, int write)
{
	uint16_t *reg = off < PM1_EN ? &pm.sts : off < PM1_CNT ? &pm.en : &pm.cnt;
	uint16_t v = 0;

	(void)dev;
	if (size != 2 || (off & 1)) {	/* the registers are 16 bits wide */
		if (!write)
			memset(data, 0, size);
		return;
	}
	if (!write) {
		memcpy(data, reg, 2);
		return;
	}
	memcpy(&v, data, 2);
	if (reg == &pm.sts) {
		pm.sts &= ~v;		/* write 1 to clear */
	} else if (reg == &pm.en) {
		pm.en = v;
	} else {
		pm.cnt = (v & ~CNT_SLP_EN) | CNT_SCI_EN;
		if ((v & CNT_SLP_EN) && CNT_SLP_TYP(v) == MKVM_SLP_TYP_S5)
			mkvm_vm_stop(vm, MKVM_OK, "guest powered off (ACPI S5)");
	}
}

int mkvm_pm_init(struct mkvm_vm *vm)
{
	pm = (struct pm){ .dev = { .name = "acpi pm1a event + control (S5: poweroff)",
				   .sizes = 1 << 1 | 1 << 2 | 1 << 4,
				   .access = pm_access, .irq = MKVM_SCI_IRQ },
			  .cnt = CNT_SCI_EN };
	return mkvm_bus_register(vm, MKVM_PIO, MKVM_PM_BASE, PM_LEN, &pm.dev);
}
