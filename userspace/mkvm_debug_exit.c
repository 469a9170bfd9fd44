// SPDX-License-Identifier: GPL-2.0
/*
 * The debug-exit port for tests: a guest that writes a byte V to port
 * 0x501 stops mkvm run with exit status V (QEMU's isa-debug-exit sits at
 * the same port but exits with (V << 1) | 1). From a guest shell:
 *   printf '\x07' | dd of=/dev/port bs=1 seek=1281 2>/dev/null
 */
#include <stdio.h>

#include "mkvm.h"

static struct mkvm_device debug_exit;

static void debug_exit_access(struct mkvm_vm *vm, struct mkvm_device *dev, uint64_t off,
			      uint8_t *data, unsigned int size, int write)
{
	char why[48];

	(void)dev;
	(void)off;
	(void)size;
	if (!write) {
		data[0] = 0;
		return;
	}
	snprintf(why, sizeof(why), "guest wrote %u to the debug-exit port", data[0]);
	mkvm_vm_stop(vm, data[0], why);
}

int mkvm_debug_exit_init(struct mkvm_vm *vm)
{
	debug_exit = (struct mkvm_device){ .name = "debug exit (status = byte written)",
					   .sizes = 1 << 1, .access = debug_exit_access,
					   .irq = -1 };
	return mkvm_bus_register(vm, MKVM_PIO, MKVM_DEBUG_EXIT_PORT, 1, &debug_exit);
}
