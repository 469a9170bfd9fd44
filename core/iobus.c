// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel I/O bus: which kernel device answers a port or MMIO
 * access before the exit goes to userspace (core/iobus.h for the rules).
 *
 * Each bus is an array of ranges sorted by start address, replaced whole
 * on every change (read-copy-update under the VM's SRCU): the exit path
 * takes no lock, and a device may sleep in its callback. A lookup
 * bisects for the last range starting at or below the address, then walks
 * down while a range that long could still cover it; ranges may overlap
 * (ioeventfds on one port with different datamatch), and those at one
 * address are tried in the order they were registered. A range of length
 * 0 is KVM's exact-address range: it holds any access that starts at its
 * address, whatever the access's length (an ioeventfd of length 0).
 *
 * Environment: process context; vm->io_lock serializes writers.
 */
#include <linux/slab.h>
#include <linux/srcu.h>

#include "core/minikvm.h"
#include "core/iobus.h"

struct minikvm_io_range {
	u64 addr;
	unsigned int len;
	struct minikvm_io_device *dev;
};

struct minikvm_io_bus {
	unsigned int nr;
	unsigned int max_len;		/* the longest range, at least 1: bounds the walk down */
	struct minikvm_io_range range[];
};

/* What an unregistered device's ranges point at when no smaller table could be had. */
static const struct minikvm_io_ops iobus_gone_ops;
static struct minikvm_io_device iobus_gone = { .ops = &iobus_gone_ops };

int minikvm_iobus_init(struct minikvm_vm *vm)
{
	mutex_init(&vm->io_lock);
	return init_srcu_struct(&vm->io_srcu);
}

/* The VM is going: no vCPU runs, nothing registers any more. */
void minikvm_iobus_destroy(struct minikvm_vm *vm)
{
	unsigned int b, i;

	for (b = 0; b < MINIKVM_NR_BUSES; b++) {
		struct minikvm_io_bus *bus = rcu_dereference_protected(vm->io_bus[b], true);

		for (i = 0; bus && i < bus->nr; i++)
			if (bus->range[i].dev->ops->destructor)
				bus->range[i].dev->ops->destructor(bus->range[i].dev);
		kfree(bus);
	}
	cleanup_srcu_struct(&vm->io_srcu);
}

static struct minikvm_io_bus *iobus_alloc(unsigned int nr)
{
	struct minikvm_io_bus *bus;

	return kzalloc(struct_size(bus, range, nr), GFP_KERNEL_ACCOUNT);
}

/* Publish @new in place of @old and free @old once no reader has it. */
static void iobus_replace(struct minikvm_vm *vm, enum minikvm_bus b, struct minikvm_io_bus *old,
			  struct minikvm_io_bus *new)
{
	unsigned int i;

	new->max_len = 1;
	for (i = 0; i < new->nr; i++)
		new->max_len = max(new->max_len, new->range[i].len);
	rcu_assign_pointer(vm->io_bus[b], new);
	synchronize_srcu_expedited(&vm->io_srcu);
	kfree(old);
}

/**
 * minikvm_io_bus_register() - let @dev answer [@addr, @addr + @len)
 * @vm: the VM
 * @bus: port or MMIO space
 * @addr: first port or guest-physical address
 * @len: bytes; 0 for any access that starts at @addr
 * @dev: the device; registered once, under one range
 *
 * Return: 0, -EINVAL for a wrapping range, -ENOSPC with
 * MINIKVM_IOBUS_MAX_DEVS devices on the bus already, -ENOMEM.
 */
int minikvm_io_bus_register(struct minikvm_vm *vm, enum minikvm_bus bus, u64 addr,
			    unsigned int len, struct minikvm_io_device *dev)
{
	struct minikvm_io_bus *old, *new;
	unsigned int nr, i, pos;

	if (len && addr + len - 1 < addr)
		return -EINVAL;
	mutex_lock(&vm->io_lock);
	old = rcu_dereference_protected(vm->io_bus[bus], lockdep_is_held(&vm->io_lock));
	nr = old ? old->nr : 0;
	if (nr >= MINIKVM_IOBUS_MAX_DEVS) {
		mutex_unlock(&vm->io_lock);
		return -ENOSPC;
	}
	new = iobus_alloc(nr + 1);
	if (!new) {
		mutex_unlock(&vm->io_lock);
		return -ENOMEM;
	}
	/* After every range that starts at or below @addr: registration order. */
	for (pos = 0; pos < nr && old->range[pos].addr <= addr; pos++)
		;
	for (i = 0; i < pos; i++)
		new->range[i] = old->range[i];
	new->range[pos] = (struct minikvm_io_range) { .addr = addr, .len = len, .dev = dev };
	for (i = pos; i < nr; i++)
		new->range[i + 1] = old->range[i];
	new->nr = nr + 1;
	iobus_replace(vm, bus, old, new);
	mutex_unlock(&vm->io_lock);
	return 0;
}

/**
 * minikvm_io_bus_unregister() - take @dev off the bus
 * @vm: the VM
 * @bus: port or MMIO space
 * @dev: a device registered on @bus
 *
 * When this returns no vCPU is still in one of @dev's callbacks, so the
 * caller may free it. The destructor is not called. It cannot fail for a
 * device on the bus: with no memory for a smaller table, the device's
 * ranges are handed to iobus_gone in place, a device that takes nothing,
 * so that teardown paths never leave a freed device reachable.
 *
 * Return: 0, or -ENOENT when @dev is not on the bus.
 */
int minikvm_io_bus_unregister(struct minikvm_vm *vm, enum minikvm_bus bus,
			      struct minikvm_io_device *dev)
{
	struct minikvm_io_bus *old, *new;
	unsigned int i, j;
	int ret = -ENOENT;

	mutex_lock(&vm->io_lock);
	old = rcu_dereference_protected(vm->io_bus[bus], lockdep_is_held(&vm->io_lock));
	for (i = 0; old && i < old->nr; i++)
		if (old->range[i].dev == dev)
			break;
	if (!old || i == old->nr)
		goto out;
	ret = 0;
	new = iobus_alloc(old->nr - 1);
	if (!new) {
		for (i = 0; i < old->nr; i++)
			if (old->range[i].dev == dev)
				WRITE_ONCE(old->range[i].dev, &iobus_gone);
		synchronize_srcu_expedited(&vm->io_srcu);
		goto out;
	}
	for (i = 0, j = 0; i < old->nr; i++)
		if (old->range[i].dev != dev)
			new->range[j++] = old->range[i];
	new->nr = j;
	iobus_replace(vm, bus, old, new);
out:
	mutex_unlock(&vm->io_lock);
	return ret;
}

/* Index of the first range starting above @addr. */
static unsigned int iobus_upper(const struct minikvm_io_bus *bus, u64 addr)
{
	unsigned int lo = 0, hi = bus->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (bus->range[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Offer the access to every device whose range holds all of it, lowest
 * start first among those that hold it, until one takes it.
 */
static int iobus_access(struct minikvm_vcpu *vcpu, enum minikvm_bus b, u64 addr,
			unsigned int len, void *val, bool write)
{
	struct minikvm_vm *vm = vcpu->vm;
	struct minikvm_io_bus *bus;
	unsigned int first, i;
	int idx, ret = -EOPNOTSUPP;

	idx = srcu_read_lock(&vm->io_srcu);
	bus = srcu_dereference(vm->io_bus[b], &vm->io_srcu);
	if (!bus)
		goto out;
	first = iobus_upper(bus, addr);
	while (first && bus->range[first - 1].addr + bus->max_len > addr)
		first--;
	for (i = first; i < bus->nr && bus->range[i].addr <= addr; i++) {
		struct minikvm_io_range *r = &bus->range[i];
		/* Once: minikvm_io_bus_unregister() may swap it for iobus_gone. */
		struct minikvm_io_device *dev = READ_ONCE(r->dev);

		if (r->len ? addr + len > r->addr + r->len : addr != r->addr)
			continue;
		if (write)
			ret = dev->ops->write ?
			      dev->ops->write(vcpu, dev, addr, len, val) : -EOPNOTSUPP;
		else
			ret = dev->ops->read ?
			      dev->ops->read(vcpu, dev, addr, len, val) : -EOPNOTSUPP;
		if (ret != -EOPNOTSUPP)
			break;
	}
out:
	srcu_read_unlock(&vm->io_srcu, idx);
	return ret;
}

int minikvm_io_bus_read(struct minikvm_vcpu *vcpu, enum minikvm_bus b, u64 addr,
			unsigned int len, void *val)
{
	if (likely(!rcu_access_pointer(vcpu->vm->io_bus[b])))
		return -EOPNOTSUPP;
	return iobus_access(vcpu, b, addr, len, val, false);
}

int minikvm_io_bus_write(struct minikvm_vcpu *vcpu, enum minikvm_bus b, u64 addr,
			 unsigned int len, const void *val)
{
	if (likely(!rcu_access_pointer(vcpu->vm->io_bus[b])))
		return -EOPNOTSUPP;
	return iobus_access(vcpu, b, addr, len, (void *)val, true);
}
