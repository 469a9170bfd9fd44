// SPDX-License-Identifier: GPL-2.0
/*
 * The ACPI tables Linux needs to find its CPUs, its IOAPIC and the fixed
 * hardware (ACPI 6.4, chapter 5.2): RSDP -> XSDT -> FADT (-> DSDT) and
 * MADT. Field offsets are the specification's, written out below because
 * no userspace header carries ACPI's structures. The MADT has one
 * Processor Local APIC per vCPU (APIC ID = vCPU id), the IOAPIC at
 * 0xfec00000 with GSIs 0-23, and the interrupt source overrides QEMU gives
 * a PC: ISA IRQ 0 (the PIT) arrives on GSI 2, and the SCI (IRQ 9) is level
 * triggered, active high. Every table's bytes sum to zero.
 */
#include <string.h>

#include "mkvm.h"

#define HDR_LEN		36
#define RSDP_LEN	36
#define FADT_LEN	276
#define FADT_REV	6
#define MADT_LAPIC	0
#define MADT_IOAPIC	1
#define MADT_OVERRIDE	2
#define MADT_LAPIC_NMI	4
#define FADT_WBINVD	(1u << 0)
#define FADT_C1		(1u << 2)
#define FADT_PWR_BTN	(1u << 4)	/* no fixed power button */
#define FADT_SLP_BTN	(1u << 5)	/* no fixed sleep button */
#define FADT_RESET_REG	(1u << 10)
#define BOOT_LEGACY	(1u << 0)
#define BOOT_8042	(1u << 1)
#define BOOT_NO_VGA	(1u << 2)
#define GAS_IO		1

static void put8(uint8_t *p, unsigned int off, uint8_t v)
{
	p[off] = v;
}

static void put16(uint8_t *p, unsigned int off, uint16_t v)
{
	memcpy(p + off, &v, 2);
}

static void put32(uint8_t *p, unsigned int off, uint32_t v)
{
	memcpy(p + off, &v, 4);
}

static void put64(uint8_t *p, unsigned int off, uint64_t v)
{
	memcpy(p + off, &v, 8);
}

static uint8_t checksum(const uint8_t *p, unsigned int len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return -sum;
}

/* The standard header (5.2.6); the checksum is set once the body is in. */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t, 4, len);
	put8(t, 8, rev);
	memcpy(t + 10, "MINKVM", 6);
	memcpy(t + 16, "MKVMTBL ", 8);
	put32(t, 24, 1);
	memcpy(t + 28, "MKVM", 4);
	put32(t, 32, 1);
}

static void seal(uint8_t *t)
{
	uint32_t len;

	memcpy(&len, t + 4, 4);
	t[9] = 0;
	t[9] = checksum(t, len);
}

/* A Generic Address Structure (5.2.3.2) for an 8-bit system I/O port. */
static void gas_io8(uint8_t *p, unsigned int off, uint64_t port)
{
	put8(p, off, GAS_IO);
	put8(p, off + 1, 8);			/* register bit width */
	put8(p, off + 3, 1);			/* access size: byte */
	put64(p, off + 4, port);
}

/* DSDT: Name (_S5, Package () { 5, 5, 0, 0 }), the poweroff sleep type. */
static const uint8_t dsdt_aml[] = {
	0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
	0x0a, MKVM_SLP_TYP_S5, 0x0a, MKVM_SLP_TYP_S5, 0x00, 0x00,
};

static uint32_t build_dsdt(uint8_t *t)
{
	uint32_t len = HDR_LEN + sizeof(dsdt_aml);

	header(t, "DSDT", len, 2);
	memcpy(t + HDR_LEN, dsdt_aml, sizeof(dsdt_aml));
	seal(t);
	return len;
}

static uint32_t build_fadt(uint8_t *t, uint64_t dsdt)
{
	header(t, "FACP", FADT_LEN, FADT_REV);
	put32(t, 40, dsdt);
	put16(t, 46, MKVM_SCI_IRQ);
	put32(t, 56, MKVM_PM_BASE);		/* PM1a_EVT_BLK */
	put32(t, 64, MKVM_PM_BASE + 4);		/* PM1a_CNT_BLK */
	put8(t, 88, 4);				/* PM1_EVT_LEN */
	put8(t, 89, 2);				/* PM1_CNT_LEN */
	put16(t, 96, 0x0fff);			/* no C2 */
	put16(t, 98, 0xffff);			/* no C3 */
	put8(t, 108, 0x32);			/* CMOS century register */
	put16(t, 109, BOOT_LEGACY | BOOT_8042 | BOOT_NO_VGA);
	put32(t, 112, FADT_WBINVD | FADT_C1 | FADT_PWR_BTN | FADT_SLP_BTN | FADT_RESET_REG);
	gas_io8(t, 116, 0xcf9);		/* RESET_REG: mkvm_pci.c */
	put8(t, 128, 0x06);			/* RESET_VALUE: reset CPU */
	put8(t, 131, 3);			/* minor version: 6.3 */
	put64(t, 140, dsdt);			/* X_DSDT */
	seal(t);
	return FADT_LEN;
}

static uint32_t build_madt(uint8_t *t, int nr_cpus)
{
	static const struct { uint8_t irq, gsi; uint16_t flags; } overrides[] = {
		{ 0, 2, 0x0000 },		/* PIT: bus default polarity, trigger */
		{ MKVM_SCI_IRQ, MKVM_SCI_IRQ, 0x000d },	/* active high, level */
	};
	uint32_t off = HDR_LEN + 8;
	unsigned int i;
	int cpu;

	put32(t, HDR_LEN, MKVM_LAPIC);
	put32(t, HDR_LEN + 4, 1);		/* PCAT_COMPAT: there are 8259s */
	for (cpu = 0; cpu < nr_cpus; cpu++, off += 8) {
		put8(t, off, MADT_LAPIC);
		put8(t, off + 1, 8);
		put8(t, off + 2, cpu);		/* ACPI processor UID */
		put8(t, off + 3, cpu);		/* APIC ID */
		put32(t, off + 4, 1);		/* enabled */
	}
	put8(t, off, MADT_IOAPIC);
	put8(t, off + 1, 12);
	put8(t, off + 2, 0);			/* the IOAPIC's reset ID */
	put32(t, off + 4, MKVM_IOAPIC);
	put32(t, off + 8, 0);			/* GSI base */
	off += 12;
	for (i = 0; i < ARRAY_SIZE(overrides); i++, off += 10) {
		put8(t, off, MADT_OVERRIDE);
		put8(t, off + 1, 10);
		put8(t, off + 2, 0);		/* ISA */
		put8(t, off + 3, overrides[i].irq);
		put32(t, off + 4, overrides[i].gsi);
		put16(t, off + 8, overrides[i].flags);
	}
	put8(t, off, MADT_LAPIC_NMI);
	put8(t, off + 1, 6);
	put8(t, off + 2, 0xff);			/* every processor */
	put16(t, off + 3, 0);
	put8(t, off + 5, 1);			/* LINT1 */
	off += 6;
	header(t, "APIC", off, 5);
	seal(t);
	return off;
}

/* Builds the tables at guest-physical AT; returns the address past them. */
uint64_t mkvm_acpi_build(struct mkvm_vm *vm, uint64_t at)
{
	uint8_t *m = vm->mem;
	uint64_t rsdp = at, xsdt, fadt, dsdt, madt, end;
	uint32_t xsdt_len = HDR_LEN + 2 * 8;

	xsdt = rsdp + 64;
	dsdt = xsdt + 64;
	fadt = (dsdt + build_dsdt(m + dsdt) + 15) & ~15ull;
	madt = (fadt + build_fadt(m + fadt, dsdt) + 15) & ~15ull;
	end = madt + build_madt(m + madt, vm->nr_cpus);

	header(m + xsdt, "XSDT", xsdt_len, 1);
	put64(m + xsdt, HDR_LEN, fadt);
	put64(m + xsdt, HDR_LEN + 8, madt);
	seal(m + xsdt);

	memcpy(m + rsdp, "RSD PTR ", 8);
	memcpy(m + rsdp + 9, "MINKVM", 6);
	put8(m + rsdp, 15, 2);			/* revision: ACPI 2.0+ */
	put32(m + rsdp, 20, RSDP_LEN);
	put64(m + rsdp, 24, xsdt);
	put8(m + rsdp, 8, checksum(m + rsdp, 20));
	put8(m + rsdp, 32, checksum(m + rsdp, RSDP_LEN));

	vm->acpi_addr = at;
	vm->acpi_size = end - at;
	return end;
}
