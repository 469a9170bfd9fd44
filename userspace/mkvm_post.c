// SPDX-License-Identifier: GPL-2.0
/*
 * Port 0x80, the POST code port. Linux writes it as a short I/O delay
 * (io_delay), thousands of times in a boot: a sink that reads 0xff and
 * keeps nothing, registered so that those writes are counted as handled.
 */
#include "mkvm.h"

static struct mkvm_device post;

static void post_access(struct mkvm_vm *vm, struct mkvm_device *dev, uint64_t off,
			uint8_t *data, unsigned int size, int write)
{
	(void)vm;
	(void)dev;
	(void)off;
	(void)size;
	if (!write)
		data[0] = 0xff;
}

int mkvm_post_init(struct mkvm_vm *vm)
{
	post = (struct mkvm_device){ .name = "post code / io delay (sink)", .sizes = 1 << 1,
				     .access = post_access, .irq = -1 };
	return mkvm_bus_register(vm, MKVM_PIO, 0x80, 1, &post);
}
