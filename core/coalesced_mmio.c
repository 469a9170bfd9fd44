// SPDX-License-Identifier: GPL-2.0
/*
 * Coalesced MMIO and PIO: writes into a zone userspace registered
 * (KVM_REGISTER_COALESCED_MMIO) are appended to a ring instead of
 * exiting; the VMM drains the ring at its next exit (a framebuffer, a
 * device whose register writes need no answer). KVM's layout: one ring
 * per VM, struct kvm_coalesced_mmio_ring at the start of one page that
 * every vCPU's mmap shows at KVM_COALESCED_MMIO_PAGE_OFFSET, with
 * KVM_COALESCED_MMIO_MAX entries; the kernel produces at "last", the VMM
 * consumes at "first", and the ring is full when one more entry would
 * make last equal first. A write that finds it full exits to userspace
 * as an ordinary MMIO or I/O exit, as in KVM.
 *
 * Both indices live in memory userspace writes at any time: each is read
 * once, and an out-of-range "last" makes the write exit instead, so no
 * value in the page can make the kernel write outside it.
 *
 * Zones are devices on the in-kernel I/O bus (core/iobus.c); reads are
 * never answered here.
 *
 * Environment: process context; vm->coalesced_lock guards the zone list,
 * vm->coalesced_ring_lock the producer side of the ring (vCPUs may append
 * at once).
 */
#include <linux/gfp.h>
#include <linux/slab.h>

#include "core/minikvm.h"

struct coalesced_zone {
	struct list_head list;		/* vm->coalesced_zones */
	struct minikvm_io_device dev;
	struct minikvm_vm *vm;
	struct kvm_coalesced_mmio_zone zone;
};

static struct coalesced_zone *to_zone(struct minikvm_io_device *dev)
{
	return container_of(dev, struct coalesced_zone, dev);
}

/* [@addr, @addr + @len) lies inside the zone, with no wrap-around. */
static bool zone_holds(const struct kvm_coalesced_mmio_zone *z, u64 addr, u64 len)
{
	return addr + len >= addr && addr >= z->addr && addr + len <= z->addr + z->size;
}

static int coalesced_write(struct minikvm_vcpu *vcpu, struct minikvm_io_device *dev, u64 addr,
			   unsigned int len, const void *val)
{
	struct coalesced_zone *cz = to_zone(dev);
	struct kvm_coalesced_mmio_ring *ring = cz->vm->coalesced_ring;
	struct kvm_coalesced_mmio *e;
	u32 first, last;

	if (!zone_holds(&cz->zone, addr, len) || len > sizeof(e->data))
		return -EOPNOTSUPP;

	spin_lock(&cz->vm->coalesced_ring_lock);
	last = READ_ONCE(ring->last);
	first = READ_ONCE(ring->first);
	/* Full, or an index userspace broke: exit as an ordinary write. */
	if (last >= KVM_COALESCED_MMIO_MAX || (first - last - 1) % KVM_COALESCED_MMIO_MAX == 0) {
		spin_unlock(&cz->vm->coalesced_ring_lock);
		return -EOPNOTSUPP;
	}
	e = &ring->coalesced_mmio[last];
	e->phys_addr = addr;
	e->len = len;
	e->pio = cz->zone.pio;
	memcpy(e->data, val, len);
	/* The entry is complete before the VMM can see "last" pass it. */
	smp_wmb();
	WRITE_ONCE(ring->last, (last + 1) % KVM_COALESCED_MMIO_MAX);
	spin_unlock(&cz->vm->coalesced_ring_lock);
	return 0;
}

static void coalesced_free(struct coalesced_zone *cz)
{
	list_del(&cz->list);
	kfree(cz);
}

/* The VM is going with the zone still registered. */
static void coalesced_destructor(struct minikvm_io_device *dev)
{
	coalesced_free(to_zone(dev));
}

static const struct minikvm_io_ops coalesced_ops = {
	.write = coalesced_write,
	.destructor = coalesced_destructor,
};

int minikvm_coalesced_mmio_init(struct minikvm_vm *vm)
{
	vm->coalesced_ring = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vm->coalesced_ring)
		return -ENOMEM;
	spin_lock_init(&vm->coalesced_ring_lock);
	mutex_init(&vm->coalesced_lock);
	INIT_LIST_HEAD(&vm->coalesced_zones);
	return 0;
}

/* After minikvm_iobus_destroy(): the zones are gone, only the page is left. */
void minikvm_coalesced_mmio_free(struct minikvm_vm *vm)
{
	free_page((unsigned long)vm->coalesced_ring);
}

/**
 * minikvm_register_coalesced_mmio() - KVM_REGISTER_COALESCED_MMIO
 * @vm: the VM
 * @zone: the zone, copied in; pio 0 for MMIO, 1 for ports
 *
 * Zones may overlap, as in KVM. A zone of size 0 is accepted and holds no
 * write. Unlike KVM, which accepts one, a zone whose end wraps past
 * 2^64 is refused (Documentation/ioctl.rst).
 *
 * Return: 0, -EINVAL for another pio value or a wrapping zone, -ENOSPC
 * with the bus full, -ENOMEM.
 */
int minikvm_register_coalesced_mmio(struct minikvm_vm *vm,
				    const struct kvm_coalesced_mmio_zone *zone)
{
	struct coalesced_zone *cz;
	int ret;

	if (zone->pio != 0 && zone->pio != 1)
		return -EINVAL;
	cz = kzalloc(sizeof(*cz), GFP_KERNEL_ACCOUNT);
	if (!cz)
		return -ENOMEM;
	cz->vm = vm;
	cz->zone = *zone;
	cz->dev.ops = &coalesced_ops;

	mutex_lock(&vm->coalesced_lock);
	ret = minikvm_io_bus_register(vm, zone->pio ? MINIKVM_PIO_BUS : MINIKVM_MMIO_BUS,
				      zone->addr, zone->size, &cz->dev);
	if (!ret)
		list_add_tail(&cz->list, &vm->coalesced_zones);
	mutex_unlock(&vm->coalesced_lock);
	if (ret)
		kfree(cz);
	return ret;
}

/**
 * minikvm_unregister_coalesced_mmio() - KVM_UNREGISTER_COALESCED_MMIO
 * @vm: the VM
 * @zone: pio and the range; every registered zone of that kind that holds
 *        the whole range goes
 *
 * As in KVM, a range that no zone holds is no error.
 *
 * Return: 0, -EINVAL for another pio value, -ENOMEM when the bus could
 * not be rebuilt (the zones not yet removed stay).
 */
int minikvm_unregister_coalesced_mmio(struct minikvm_vm *vm,
				      const struct kvm_coalesced_mmio_zone *zone)
{
	enum minikvm_bus bus = zone->pio ? MINIKVM_PIO_BUS : MINIKVM_MMIO_BUS;
	struct coalesced_zone *cz, *tmp;
	int ret = 0;

	if (zone->pio != 0 && zone->pio != 1)
		return -EINVAL;
	mutex_lock(&vm->coalesced_lock);
	list_for_each_entry_safe(cz, tmp, &vm->coalesced_zones, list) {
		if (cz->zone.pio != zone->pio || !zone_holds(&cz->zone, zone->addr, zone->size))
			continue;
		ret = minikvm_io_bus_unregister(vm, bus, &cz->dev);
		if (ret)
			break;
		coalesced_free(cz);
	}
	mutex_unlock(&vm->coalesced_lock);
	return ret;
}
