// SPDX-License-Identifier: GPL-2.0
/*
 * mkvm's bus: the one registry of who answers which port or MMIO range
 * and raises which interrupt line. A vCPU thread hands every KVM_EXIT_IO
 * and KVM_EXIT_MMIO to mkvm_bus_access(), which checks the access against
 * the range before the device sees it; the device raises its line with
 * mkvm_irq_line(). Adding a device: one file with an init function that
 * calls mkvm_bus_register(), and one line in device_inits[] below.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "mkvm.h"

static int (*const device_inits[])(struct mkvm_vm *vm) = {
	mkvm_uart_init,
	mkvm_i8042_init,
	mkvm_rtc_init,
	mkvm_pci_init,
	mkvm_pm_init,
	mkvm_debug_exit_init,
	mkvm_post_init,
};

int mkvm_devices_init(struct mkvm_vm *vm)
{
	unsigned int i;
	int r;

	for (i = 0; i < ARRAY_SIZE(device_inits); i++) {
		r = device_inits[i](vm);
		if (r)
			return r;
	}
	return 0;
}

int mkvm_bus_register(struct mkvm_vm *vm, enum mkvm_space space, uint64_t base,
		      uint64_t len, struct mkvm_device *dev)
{
	struct mkvm_range *r;
	int i;

	if (!len || base + len < base || vm->nr_ranges == MKVM_MAX_RANGES)
		return -EINVAL;
	for (i = 0; i < vm->nr_ranges; i++) {
		r = &vm->ranges[i];
		if (r->space == space && base < r->base + r->len && r->base < base + len)
			return -EBUSY;
	}
	vm->ranges[vm->nr_ranges++] = (struct mkvm_range){ space, base, len, dev };
	return 0;
}

static struct mkvm_range *find_range(struct mkvm_vm *vm, enum mkvm_space space,
				     uint64_t addr, unsigned int size)
{
	struct mkvm_range *r;
	int i;

	for (i = 0; i < vm->nr_ranges; i++) {
		r = &vm->ranges[i];
		/* The whole access lies inside: addr - base < len - size. */
		if (r->space == space && addr >= r->base && size <= r->len &&
		    addr - r->base <= r->len - size)
			return r;
	}
	return NULL;
}

/*
 * Returns the name of the device that took the access, NULL when none
 * did: then a read gives all ones (an empty bus) and a write is dropped.
 */
const char *mkvm_bus_access(struct mkvm_vm *vm, enum mkvm_space space, uint64_t addr,
			    uint8_t *data, unsigned int size, int write)
{
	const char *taken = NULL;
	struct mkvm_range *r;

	if (size == 0 || size > 8)
		return NULL;
	pthread_mutex_lock(&vm->lock);
	r = find_range(vm, space, addr, size);
	if (r && (r->dev->sizes & (1u << size))) {
		r->dev->accesses++;
		r->dev->access(vm, r->dev, addr - r->base, data, size, write);
		taken = r->dev->name;
	} else {
		vm->unhandled[space]++;
		if (!write)
			memset(data, 0xff, size);
	}
	pthread_mutex_unlock(&vm->lock);
	return taken;
}

/* Called with the bus lock held: a device's line follows its state. */
void mkvm_irq_line(struct mkvm_vm *vm, int irq, int level)
{
	struct kvm_irq_level line = { .irq = irq, .level = level };

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &line) < 0 && vm->trace)
		fprintf(stderr, "mkvm: KVM_IRQ_LINE %d: %s\n", irq, strerror(errno));
}

/* --memmap: the device half (mkvm_run.c prints RAM and the boot layout). */
void mkvm_bus_print(struct mkvm_vm *vm)
{
	static const char *const space_names[] = { "port", "mmio" };
	struct mkvm_range *r;
	int i;

	for (i = 0; i < vm->nr_ranges; i++) {
		r = &vm->ranges[i];
		printf("  %s 0x%08llx-0x%08llx  %s", space_names[r->space],
		       (unsigned long long)r->base,
		       (unsigned long long)(r->base + r->len - 1), r->dev->name);
		if (r->dev->irq >= 0)
			printf(" (IRQ %d)", r->dev->irq);
		printf("\n");
	}
}
