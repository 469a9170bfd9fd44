/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel I/O bus (core/iobus.c): port and MMIO ranges that devices
 * in the kernel answer (the irqchip's PIC, PIT and IOAPIC, ioeventfds,
 * coalesced MMIO zones), looked up before an exit goes to userspace, in
 * the pattern of KVM's kvm_io_bus. A device answers 0 when it took the
 * access and -EOPNOTSUPP to let the next device (or userspace) have it,
 * as an ioeventfd whose datamatch differs does.
 *
 * Readers run in the vCPU thread under the VM's io_srcu, so a device
 * callback may sleep; registration and removal take vm->io_lock and wait
 * for readers before the old table is freed.
 */
#ifndef MINIKVM_CORE_IOBUS_H
#define MINIKVM_CORE_IOBUS_H

#include <linux/types.h>

struct minikvm_vcpu;
struct minikvm_vm;
struct minikvm_io_device;

enum minikvm_bus {
	MINIKVM_PIO_BUS,
	MINIKVM_MMIO_BUS,
	MINIKVM_NR_BUSES,
};

/* The most devices on one bus, KVM's NR_IOBUS_DEVS. */
#define MINIKVM_IOBUS_MAX_DEVS	1000

struct minikvm_io_ops {
	int (*read)(struct minikvm_vcpu *vcpu, struct minikvm_io_device *dev, u64 addr,
		    unsigned int len, void *val);
	int (*write)(struct minikvm_vcpu *vcpu, struct minikvm_io_device *dev, u64 addr,
		     unsigned int len, const void *val);
	/* Called once when the VM goes with the device still registered. */
	void (*destructor)(struct minikvm_io_device *dev);
};

/* Embedded in the device's own structure. */
struct minikvm_io_device {
	const struct minikvm_io_ops *ops;
};

int minikvm_iobus_init(struct minikvm_vm *vm);
void minikvm_iobus_destroy(struct minikvm_vm *vm);
int minikvm_io_bus_register(struct minikvm_vm *vm, enum minikvm_bus bus, u64 addr,
			    unsigned int len, struct minikvm_io_device *dev);
int minikvm_io_bus_unregister(struct minikvm_vm *vm, enum minikvm_bus bus,
			      struct minikvm_io_device *dev);
/* 0: a device took the access; -EOPNOTSUPP: none did (userspace's turn). */
int minikvm_io_bus_read(struct minikvm_vcpu *vcpu, enum minikvm_bus bus, u64 addr,
			unsigned int len, void *val);
int minikvm_io_bus_write(struct minikvm_vcpu *vcpu, enum minikvm_bus bus, u64 addr,
			 unsigned int len, const void *val);

#endif /* MINIKVM_CORE_IOBUS_H */
