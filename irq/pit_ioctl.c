// SPDX-License-Identifier: GPL-2.0
/*
 * The PIT's VM ioctls, as KVM answers them (arch/x86/kvm/x86.c):
 * KVM_CREATE_PIT2 (and the older KVM_CREATE_PIT), KVM_GET/SET_PIT2,
 * KVM_GET/SET_PIT, KVM_REINJECT_CONTROL; and the PIT's teardown.
 *
 * A VM has at most one PIT, created at any time (before or after
 * KVM_CREATE_IRQCHIP and the vCPUs) and freed with the VM. Like KVM,
 * KVM_CREATE_PIT2 looks only at KVM_PIT_SPEAKER_DUMMY in its flags, and
 * KVM_SET_PIT2 takes the channels and flags as given: no field is
 * rejected, and the counters cope with any value.
 *
 * Environment: process context, the VM's mm.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "core/minikvm.h"
#include "irq/irqchip.h"
#include "irq/pit.h"

static void pit_free(struct minikvm_vm *vm, struct minikvm_pit *pit)
{
	minikvm_io_bus_unregister(vm, MINIKVM_PIO_BUS, &pit->dev);
	if (pit->has_speaker)
		minikvm_io_bus_unregister(vm, MINIKVM_PIO_BUS, &pit->speaker);
	minikvm_pit_timer_destroy(pit);
	minikvm_free_irq_source_id(vm, pit->irq_source_id);
	kfree(pit);
}

static int pit_create(struct minikvm_vm *vm, u32 flags)
{
	struct minikvm_pit *pit;
	int ret = -EEXIST;

	mutex_lock(&vm->lock);
	if (vm->pit)
		goto out;
	ret = -ENOMEM;
	pit = kzalloc(sizeof(*pit), GFP_KERNEL_ACCOUNT);
	if (!pit)
		goto out;
	pit->vm = vm;
	mutex_init(&pit->lock);
	/* As KVM's PIT: a source of its own on GSI 0, the first free one. */
	pit->irq_source_id = minikvm_request_irq_source_id(vm);
	if (pit->irq_source_id < 0) {
		kfree(pit);
		goto out;
	}
	if (minikvm_pit_timer_init(pit)) {
		minikvm_free_irq_source_id(vm, pit->irq_source_id);
		kfree(pit);
		goto out;
	}
	mutex_lock(&pit->lock);
	minikvm_pit_reset(pit);
	mutex_unlock(&pit->lock);

	/* Any failure is -ENOMEM, as KVM's kvm_create_pit() NULL. */
	pit->dev.ops = &minikvm_pit_io_ops;
	if (minikvm_io_bus_register(vm, MINIKVM_PIO_BUS, PIT_BASE_PORT, PIT_NR_PORTS, &pit->dev)) {
		minikvm_pit_timer_destroy(pit);
		minikvm_free_irq_source_id(vm, pit->irq_source_id);
		kfree(pit);
		goto out;
	}
	if (flags & KVM_PIT_SPEAKER_DUMMY) {
		pit->speaker.ops = &minikvm_pit_speaker_ops;
		if (minikvm_io_bus_register(vm, MINIKVM_PIO_BUS, PIT_SPEAKER_PORT,
					    PIT_SPEAKER_LEN, &pit->speaker)) {
			pit_free(vm, pit);
			goto out;
		}
		pit->has_speaker = true;
	}
	/* minikvm_pit_irq_acked() reads it without a lock. */
	smp_store_release(&vm->pit, pit);
	ret = 0;
out:
	mutex_unlock(&vm->lock);
	return ret;
}

/*
 * New channel state from userspace; counts are loaded again, so channels
 * 1 and 2 restart from now and channel 0's timer is programmed anew.
 * @hpet_start: the HPET just took over, channel 0's timer must stop.
 */
static void pit_set_channels(struct minikvm_pit *pit, const struct kvm_pit_channel_state *ch,
			     bool hpet_start)
{
	u8 mode;
	int i;

	memcpy(pit->ch, ch, sizeof(pit->ch));
	for (i = 0; i < ARRAY_SIZE(pit->ch); i++) {
		if (i || !hpet_start) {
			minikvm_pit_load_count(pit, i, pit->ch[i].count);
			continue;
		}
		/* No mode arms a timer: load with mode 0xff, then restore. */
		mode = pit->ch[0].mode;
		pit->ch[0].mode = 0xff;
		minikvm_pit_load_count(pit, 0, pit->ch[0].count);
		pit->ch[0].mode = mode;
	}
}

static long pit_get_state2(struct minikvm_pit *pit, void __user *argp)
{
	struct kvm_pit_state2 ps = {};

	BUILD_BUG_ON(sizeof(ps.channels) != sizeof(pit->ch));
	mutex_lock(&pit->lock);
	memcpy(ps.channels, pit->ch, sizeof(ps.channels));
	ps.flags = pit->flags;
	mutex_unlock(&pit->lock);
	return copy_to_user(argp, &ps, sizeof(ps)) ? -EFAULT : 0;
}

static void pit_set_state2(struct minikvm_pit *pit, const struct kvm_pit_state2 *ps)
{
	bool hpet_start;

	mutex_lock(&pit->lock);
	hpet_start = !(pit->flags & KVM_PIT_FLAGS_HPET_LEGACY) &&
		     (ps->flags & KVM_PIT_FLAGS_HPET_LEGACY);
	pit->flags = ps->flags;
	pit_set_channels(pit, ps->channels, hpet_start);
	mutex_unlock(&pit->lock);
}

/**
 * minikvm_pit_ioctl() - the PIT's VM ioctls
 * @vm: the VM
 * @ioctl: KVM_CREATE_PIT(2), KVM_GET/SET_PIT(2), KVM_REINJECT_CONTROL
 * @argp: the user argument
 *
 * Return: 0; -EEXIST for a second PIT, -ENXIO for a state ioctl without
 * one, -EFAULT for a bad pointer (before anything changes), -ENOMEM.
 * The order of the checks is KVM's: an argument read in comes first.
 */
long minikvm_pit_ioctl(struct minikvm_vm *vm, unsigned int ioctl, void __user *argp)
{
	/* Pairs with the release that publishes a new PIT in pit_create(). */
	struct minikvm_pit *pit = smp_load_acquire(&vm->pit);
	union {
		struct kvm_pit_config config;
		struct kvm_pit_state ps;
		struct kvm_pit_state2 ps2;
		struct kvm_reinject_control reinject;
	} u;

	switch (ioctl) {
	case KVM_CREATE_PIT:
		return pit_create(vm, KVM_PIT_SPEAKER_DUMMY);
	case KVM_CREATE_PIT2:
		if (copy_from_user(&u.config, argp, sizeof(u.config)))
			return -EFAULT;
		return pit_create(vm, u.config.flags);
	case KVM_GET_PIT2:
		return pit ? pit_get_state2(pit, argp) : -ENXIO;
	case KVM_SET_PIT2:
		if (copy_from_user(&u.ps2, argp, sizeof(u.ps2)))
			return -EFAULT;
		if (!pit)
			return -ENXIO;
		pit_set_state2(pit, &u.ps2);
		return 0;
	case KVM_GET_PIT:
		/* KVM reads the argument in before it looks for a PIT. */
		if (copy_from_user(&u.ps, argp, sizeof(u.ps)))
			return -EFAULT;
		if (!pit)
			return -ENXIO;
		mutex_lock(&pit->lock);
		memcpy(u.ps.channels, pit->ch, sizeof(u.ps.channels));
		mutex_unlock(&pit->lock);
		return copy_to_user(argp, &u.ps, sizeof(u.ps)) ? -EFAULT : 0;
	case KVM_SET_PIT:
		if (copy_from_user(&u.ps, argp, sizeof(u.ps)))
			return -EFAULT;
		if (!pit)
			return -ENXIO;
		mutex_lock(&pit->lock);
		pit_set_channels(pit, u.ps.channels, false);
		mutex_unlock(&pit->lock);
		return 0;
	case KVM_REINJECT_CONTROL:
		if (copy_from_user(&u.reinject, argp, sizeof(u.reinject)))
			return -EFAULT;
		if (!pit)
			return -ENXIO;
		mutex_lock(&pit->lock);
		minikvm_pit_set_reinject(pit, u.reinject.pit_reinject);
		mutex_unlock(&pit->lock);
		return 0;
	default:
		return -ENOTTY;
	}
}

/* The VM is going, before its chipset: no tick may reach a freed PIC. */
void minikvm_pit_destroy(struct minikvm_vm *vm)
{
	if (vm->pit)
		pit_free(vm, vm->pit);
	vm->pit = NULL;
}
