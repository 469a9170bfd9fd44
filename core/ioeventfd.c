// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IOEVENTFD: a guest write to a port or an MMIO address signals an
 * eventfd in the kernel, and the vCPU goes on without an exit (the
 * doorbell of a virtio queue, served by another thread or process).
 *
 * Each ioeventfd is a device on the in-kernel I/O bus (core/iobus.c) at
 * its address, of its length (0: any access that starts there, KVM's
 * KVM_CAP_IOEVENTFD_ANY_LENGTH), with or without a value to match. A
 * write it does not match goes on to the next device, then to userspace.
 * The rules, flags and error codes are KVM 6.1's (virt/kvm/eventfd.c):
 * lengths 0, 1, 2, 4, 8; no datamatch with length 0; -EEXIST for one that
 * would answer a write another already answers; deassign names the same
 * eventfd, bus, address, length and datamatch it was assigned with.
 *
 * Reads are never answered here: an IN or MMIO load exits as before.
 *
 * Environment: process context; vm->ioeventfd_lock guards the list, the
 * bus has its own lock. The write callback runs in the vCPU thread under
 * the bus's SRCU, where eventfd_signal() is allowed.
 */
#include <linux/eventfd.h>
#include <linux/slab.h>
#include <asm/unaligned.h>

#include "core/minikvm.h"

/* Every flag bit KVM 6.1 accepts, named or not (its VALID_FLAG_MASK). */
#define IOEVENTFD_VALID_FLAGS	(BIT(5) - 1)

/*
 * KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY picks a bus only s390 reads; KVM
 * on x86 accepts such an ioeventfd and never signals it. So does minikvm:
 * it is kept in the list, on no bus.
 */
#define IOEVENTFD_NO_BUS	MINIKVM_NR_BUSES

struct ioeventfd {
	struct list_head list;		/* vm->ioeventfds */
	struct minikvm_io_device dev;
	struct eventfd_ctx *eventfd;
	u64 addr;
	u64 datamatch;
	unsigned int len;		/* 0, 1, 2, 4 or 8 */
	unsigned int bus;		/* enum minikvm_bus or IOEVENTFD_NO_BUS */
	bool wildcard;			/* no KVM_IOEVENTFD_FLAG_DATAMATCH */
};

static struct ioeventfd *to_ioeventfd(struct minikvm_io_device *dev)
{
	return container_of(dev, struct ioeventfd, dev);
}

/* Does a write of @len bytes of @val at @addr ring this one? */
static bool ioeventfd_matches(const struct ioeventfd *p, u64 addr, unsigned int len,
			      const void *val)
{
	u64 v;

	if (addr != p->addr)
		return false;
	if (!p->len)
		return true;
	if (len != p->len)
		return false;
	if (p->wildcard)
		return true;
	switch (len) {
	case 1:
		v = *(const u8 *)val;
		break;
	case 2:
		v = get_unaligned((const u16 *)val);
		break;
	case 4:
		v = get_unaligned((const u32 *)val);
		break;
	default:
		v = get_unaligned((const u64 *)val);
		break;
	}
	return v == p->datamatch;
}

static int ioeventfd_write(struct minikvm_vcpu *vcpu, struct minikvm_io_device *dev, u64 addr,
			   unsigned int len, const void *val)
{
	struct ioeventfd *p = to_ioeventfd(dev);

	if (!ioeventfd_matches(p, addr, len, val))
		return -EOPNOTSUPP;
	eventfd_signal(p->eventfd, 1);
	return 0;
}

static void ioeventfd_free(struct ioeventfd *p)
{
	eventfd_ctx_put(p->eventfd);
	list_del(&p->list);
	kfree(p);
}

/* The VM is going with @dev still on the bus. */
static void ioeventfd_destructor(struct minikvm_io_device *dev)
{
	ioeventfd_free(to_ioeventfd(dev));
}

static const struct minikvm_io_ops ioeventfd_ops = {
	.write = ioeventfd_write,
	.destructor = ioeventfd_destructor,
};

static unsigned int ioeventfd_bus(u32 flags)
{
	if (flags & KVM_IOEVENTFD_FLAG_PIO)
		return MINIKVM_PIO_BUS;
	if (flags & KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY)
		return IOEVENTFD_NO_BUS;
	return MINIKVM_MMIO_BUS;
}

/* Would @p and one already there both answer some write? */
static bool ioeventfd_collides(struct minikvm_vm *vm, const struct ioeventfd *p)
{
	struct ioeventfd *q;

	list_for_each_entry(q, &vm->ioeventfds, list) {
		if (q->bus != p->bus || q->addr != p->addr)
			continue;
		if (!q->len || !p->len)
			return true;
		if (q->len == p->len &&
		    (q->wildcard || p->wildcard || q->datamatch == p->datamatch))
			return true;
	}
	return false;
}

static int ioeventfd_assign(struct minikvm_vm *vm, const struct kvm_ioeventfd *args)
{
	struct eventfd_ctx *eventfd;
	struct ioeventfd *p;
	int ret;

	switch (args->len) {
	case 0: case 1: case 2: case 4: case 8:
		break;
	default:
		return -EINVAL;
	}
	if (args->addr + args->len < args->addr)
		return -EINVAL;
	if (args->flags & ~IOEVENTFD_VALID_FLAGS)
		return -EINVAL;
	if (!args->len && (args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH))
		return -EINVAL;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p) {
		eventfd_ctx_put(eventfd);
		return -ENOMEM;
	}
	p->eventfd = eventfd;
	p->addr = args->addr;
	p->len = args->len;
	p->bus = ioeventfd_bus(args->flags);
	p->wildcard = !(args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	if (!p->wildcard)
		p->datamatch = args->datamatch;
	p->dev.ops = &ioeventfd_ops;

	mutex_lock(&vm->ioeventfd_lock);
	ret = -EEXIST;
	if (ioeventfd_collides(vm, p))
		goto fail;
	if (p->bus != IOEVENTFD_NO_BUS) {
		ret = minikvm_io_bus_register(vm, p->bus, p->addr, p->len, &p->dev);
		if (ret)
			goto fail;
	}
	list_add_tail(&p->list, &vm->ioeventfds);
	mutex_unlock(&vm->ioeventfd_lock);
	return 0;

fail:
	mutex_unlock(&vm->ioeventfd_lock);
	eventfd_ctx_put(eventfd);
	kfree(p);
	return ret;
}

static int ioeventfd_deassign(struct minikvm_vm *vm, const struct kvm_ioeventfd *args)
{
	bool wildcard = !(args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	unsigned int bus = ioeventfd_bus(args->flags);
	struct eventfd_ctx *eventfd;
	struct ioeventfd *p;
	int ret = -ENOENT;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	mutex_lock(&vm->ioeventfd_lock);
	list_for_each_entry(p, &vm->ioeventfds, list) {
		if (p->bus != bus || p->eventfd != eventfd || p->addr != args->addr ||
		    p->len != args->len || p->wildcard != wildcard ||
		    (!wildcard && p->datamatch != args->datamatch))
			continue;
		/* Off the bus first: no vCPU is in ioeventfd_write() after this. */
		if (p->bus != IOEVENTFD_NO_BUS) {
			ret = minikvm_io_bus_unregister(vm, p->bus, &p->dev);
			if (ret)
				break;
		}
		ioeventfd_free(p);
		ret = 0;
		break;
	}
	mutex_unlock(&vm->ioeventfd_lock);
	eventfd_ctx_put(eventfd);
	return ret;
}

void minikvm_ioeventfd_init(struct minikvm_vm *vm)
{
	mutex_init(&vm->ioeventfd_lock);
	INIT_LIST_HEAD(&vm->ioeventfds);
}

/*
 * Those on no bus have no destructor to call them; the bus has already
 * freed the others (minikvm_iobus_destroy()).
 */
void minikvm_ioeventfd_destroy(struct minikvm_vm *vm)
{
	struct ioeventfd *p, *tmp;

	list_for_each_entry_safe(p, tmp, &vm->ioeventfds, list)
		ioeventfd_free(p);
}

/**
 * minikvm_ioeventfd() - KVM_IOEVENTFD
 * @vm: the VM
 * @args: userspace's request, already copied in
 *
 * Return: 0; -EINVAL for a bad length, flag or range; -EBADF or -EINVAL
 * (not an eventfd) from the fd; -EEXIST when another would answer the same
 * write; -ENOENT for a deassign that matches none; -ENOSPC with the bus
 * full; -ENOMEM.
 */
int minikvm_ioeventfd(struct minikvm_vm *vm, const struct kvm_ioeventfd *args)
{
	if (args->flags & KVM_IOEVENTFD_FLAG_DEASSIGN)
		return ioeventfd_deassign(vm, args);
	return ioeventfd_assign(vm, args);
}
