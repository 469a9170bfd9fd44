/* SPDX-License-Identifier: GPL-2.0 */
/* mkvm's commands, one file each, and the device server of mkvm run. */
#ifndef MKVM_H
#define MKVM_H

#include <pthread.h>
#include <stdint.h>
#include <linux/kvm.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

int mkvm_translate(const char *dev, const uint64_t *gvas, int n);
int mkvm_run(int argc, char **argv);
const char *mkvm_irqchip_missing(int sys_fd);

/* -- mkvm run ------------------------------------------------------------- */

#define MKVM_MAX_CPUS	64
#define MKVM_MAX_RANGES	32
#define MKVM_NR_EXITS	64		/* KVM_EXIT_* reasons counted */

/* Exit statuses of mkvm run (Documentation/device-server.rst). */
enum mkvm_status {
	MKVM_OK = 0,		/* the guest rebooted or powered off */
	MKVM_ERROR = 1,		/* setup error or fatal exit */
	MKVM_USAGE = 2,
	MKVM_TRIPLE_FAULT = 3,	/* KVM_EXIT_SHUTDOWN */
};

enum mkvm_space { MKVM_PIO, MKVM_MMIO };

struct mkvm_vm;

/*
 * A device on the bus. access() is called with the bus lock held, for an
 * access the bus has already checked: off + size <= the range's length
 * and size is one of the sizes the device accepts (bit n of .sizes: an
 * access of n bytes). data holds size bytes, little-endian.
 */
struct mkvm_device {
	const char *name;
	unsigned int sizes;
	void (*access)(struct mkvm_vm *vm, struct mkvm_device *dev, uint64_t off,
		       uint8_t *data, unsigned int size, int write);
	int irq;			/* ISA IRQ line, -1 if none */
	unsigned long accesses;
};

struct mkvm_range {
	enum mkvm_space space;
	uint64_t base, len;
	struct mkvm_device *dev;
};

struct mkvm_vcpu {
	struct mkvm_vm *vm;
	int id, fd;
	struct kvm_run *run;
	pthread_t thread;
};

struct mkvm_vm {
	const char *dev;
	int sys_fd, vm_fd, stop_fd;
	/* Written when COM1's receive FIFO has room for held console input. */
	int console_fd;
	uint8_t *mem;
	uint64_t mem_size;
	int nr_cpus;
	struct mkvm_vcpu vcpus[MKVM_MAX_CPUS];
	long run_size;
	struct kvm_cpuid2 *cpuid;
	int trace, stats;

	/*
	 * --mark TEXT: the host TSC when mkvm run started and when the
	 * guest's console output first held TEXT (0 until then).
	 */
	const char *mark;
	unsigned int mark_len, mark_pos;
	uint64_t tsc_start, mark_tsc;

	/* The boot layout, for --memmap (mkvm_boot.c fills it). */
	uint64_t kernel_addr, kernel_size, initrd_addr, initrd_size;
	uint64_t acpi_addr, acpi_size;

	/* The bus: guarded by lock, as is every device's state. */
	pthread_mutex_t lock;
	struct mkvm_range ranges[MKVM_MAX_RANGES];
	int nr_ranges;
	unsigned long unhandled[2];

	/* Set once, by the first reason to stop (mkvm_vm_stop()). */
	int stopping, status;
	char why[128];
	unsigned long exits[MKVM_NR_EXITS];
};

/* mkvm_bus.c */
int mkvm_bus_register(struct mkvm_vm *vm, enum mkvm_space space, uint64_t base,
		      uint64_t len, struct mkvm_device *dev);
const char *mkvm_bus_access(struct mkvm_vm *vm, enum mkvm_space space, uint64_t addr,
			    uint8_t *data, unsigned int size, int write);
void mkvm_irq_line(struct mkvm_vm *vm, int irq, int level);
int mkvm_devices_init(struct mkvm_vm *vm);
void mkvm_bus_print(struct mkvm_vm *vm);

/* The devices, one file each (registered by mkvm_devices_init()). */
int mkvm_uart_init(struct mkvm_vm *vm);
int mkvm_i8042_init(struct mkvm_vm *vm);
int mkvm_rtc_init(struct mkvm_vm *vm);
int mkvm_pci_init(struct mkvm_vm *vm);
int mkvm_pm_init(struct mkvm_vm *vm);
int mkvm_debug_exit_init(struct mkvm_vm *vm);
int mkvm_post_init(struct mkvm_vm *vm);

/* mkvm_uart.c: the console (stdin to COM1, the terminal's mode). */
int mkvm_console_start(struct mkvm_vm *vm);
int mkvm_console_input(struct mkvm_vm *vm, const uint8_t *buf, int n);
void mkvm_console_restore(void);

/* mkvm_boot.c */
int mkvm_boot_load(struct mkvm_vm *vm, const char *kernel, const char *initrd,
		   const char *cmdline);
int mkvm_boot_regs(struct mkvm_vm *vm, int vcpu_fd);

/* mkvm_acpi.c */
uint64_t mkvm_acpi_build(struct mkvm_vm *vm, uint64_t at);

/* mkvm_vcpu.c */
int mkvm_vcpus_start(struct mkvm_vm *vm);
void mkvm_vcpus_join(struct mkvm_vm *vm);
void mkvm_vm_stop(struct mkvm_vm *vm, int status, const char *why);
const char *mkvm_exit_name(unsigned int reason);

/* mkvm_irqstate.c */
void mkvm_print_irq_state(struct mkvm_vm *vm);

/* Where the boot code puts things (guest-physical). */
#define MKVM_GDT		0x500
#define MKVM_ZERO_PAGE		0x7000
#define MKVM_STACK_TOP		0x9000
#define MKVM_PML4		0x9000
#define MKVM_PDPT		0xa000
#define MKVM_PD			0xb000		/* four pages: 4 GiB */
#define MKVM_CMDLINE		0x20000
#define MKVM_CMDLINE_MAX	0x10000
#define MKVM_EBDA		0x9fc00
#define MKVM_ACPI		0xe0000
#define MKVM_ACPI_END		0x100000
#define MKVM_KERNEL		0x100000
#define MKVM_MEM_MAX		0xc0000000ull	/* below the 32-bit MMIO hole */
#define MKVM_IOAPIC		0xfec00000u
#define MKVM_LAPIC		0xfee00000u
#define MKVM_TSS_ADDR		0xfffbd000u	/* three pages, as QEMU */
#define MKVM_IDMAP_ADDR		0xfffbc000u

/* Ports of the platform devices. */
#define MKVM_PM_BASE		0x600		/* PM1a_EVT (4), PM1a_CNT (2) */
#define MKVM_SLP_TYP_S5		5
#define MKVM_SCI_IRQ		9
#define MKVM_DEBUG_EXIT_PORT	0x501

#endif /* MKVM_H */
