// SPDX-License-Identifier: GPL-2.0
/*
 * The i8042 keyboard controller, as much as a guest without a keyboard
 * needs: the controller's self test, its command byte, and the reset line
 * (Linux's "reboot=k" writes 0xfe, pulse output line 0, to port 0x64).
 * Port 0x60 is data, 0x64 status (read) and command (write).
 */
#include "mkvm.h"

#define I8042_DATA		0x60
#define I8042_CMD		0x64
#define STR_OBF			0x01	/* output buffer full */
#define STR_SYS			0x04	/* system flag: self test passed */
#define CMD_READ_CTR		0x20
#define CMD_WRITE_CTR		0x60
#define CMD_SELF_TEST		0xaa
#define CMD_KBD_TEST		0xab
#define CMD_AUX_TEST		0xa9
#define CMD_PULSE_FIRST		0xf0	/* 0xf0-0xff: pulse lines, bit clear = pulse */

static struct i8042 {
	struct mkvm_device data_dev, cmd_dev;
	uint8_t ctr, out, pending_cmd;
	int full;
} kbc;

static void i8042_reply(uint8_t v)
{
	kbc.out = v;
	kbc.full = 1;
}

static void i8042_command(struct mkvm_vm *vm, uint8_t cmd)
{
	if (cmd >= CMD_PULSE_FIRST) {
		if (!(cmd & 1))
			mkvm_vm_stop(vm, MKVM_OK, "guest reset (i8042 pulse, reboot)");
		return;
	}
	switch (cmd) {
	case CMD_READ_CTR:
		i8042_reply(kbc.ctr);
		break;
	case CMD_WRITE_CTR:
		kbc.pending_cmd = cmd;
		break;
	case CMD_SELF_TEST:
		i8042_reply(0x55);
		break;
	case CMD_KBD_TEST:
	case CMD_AUX_TEST:
		i8042_reply(0x00);
		break;
	default:		/* enable/disable ports and the like: nothing to do */
		break;
	}
}

static void i8042_access(struct mkvm_vm *vm, struct mkvm_device *dev, uint64_t off,
			 uint8_t *data, unsigned int size, int write)
{
	(void)off;
	(void)size;
	if (dev == &kbc.cmd_dev) {
		if (write)
			i8042_command(vm, data[0]);
		else
			data[0] = STR_SYS | (kbc.full ? STR_OBF : 0);
		return;
	}
	if (write) {
		if (kbc.pending_cmd == CMD_WRITE_CTR)
			kbc.ctr = data[0];
		kbc.pending_cmd = 0;	/* bytes for a keyboard that is not there */
	} else {
		data[0] = kbc.out;
		kbc.full = 0;
	}
}

int mkvm_i8042_init(struct mkvm_vm *vm)
{
	kbc = (struct i8042){
		.data_dev = { .name = "i8042 data", .sizes = 1 << 1, .access = i8042_access, .irq = -1 },
		.cmd_dev = { .name = "i8042 command/status (0xfe: reset)", .sizes = 1 << 1,
			     .access = i8042_access, .irq = -1 },
		.ctr = 0x30,	/* both ports disabled, no interrupts */
	};
	return mkvm_bus_register(vm, MKVM_PIO, I8042_DATA, 1, &kbc.data_dev) ?:
	       mkvm_bus_register(vm, MKVM_PIO, I8042_CMD, 1, &kbc.cmd_dev);
}
