// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IRQFD: an eventfd whose signal drives a GSI, in KVM's model
 * (virt/kvm/eventfd.c). The eventfd's wait queue calls irqfd_wakeup()
 * in whatever context signalled it, possibly hard IRQ; it only consumes
 * the count and queues irqfd->inject, which in process context pulses the
 * GSI through the routing table (so an MSI route, a PIC or IOAPIC route,
 * and a route changed since assignment all work). The eventfd's release
 * (EPOLLHUP), KVM_IRQFD with KVM_IRQFD_FLAG_DEASSIGN and the VM's end
 * take the irqfd off the list and queue its shutdown on one workqueue,
 * which they flush.
 *
 * With KVM_IRQFD_FLAG_RESAMPLE the signal asserts the GSI under the
 * resample source and leaves it high; the acknowledgement of the pin
 * (IOAPIC EOI of a level pin, PIC end of service) lowers it again and
 * signals every resamplefd on that GSI, so the VMM can re-check its
 * device and signal again. One resampler per GSI holds the irqfds that
 * share it, under vm->irq_srcu for the acknowledgement path.
 *
 * Environment: process context, except irqfd_wakeup().
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "irq/chipset.h"
#include "irq/irqchip.h"

struct irqfd_resampler {
	struct minikvm_vm *vm;
	u32 gsi;
	struct list_head irqfds;	/* struct irqfd, RCU under vm->irq_srcu */
	struct list_head link;		/* in vm->irqfd_resamplers */
};

struct irqfd {
	struct minikvm_vm *vm;
	u32 gsi;
	struct eventfd_ctx *eventfd;
	struct eventfd_ctx *resamplefd;
	struct irqfd_resampler *resampler;
	struct list_head resampler_link;
	struct list_head link;		/* in vm->irqfds while active */
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct inject;
	struct work_struct shutdown;
};

static struct workqueue_struct *irqfd_cleanup_wq;

int minikvm_irqfd_init(void)
{
	irqfd_cleanup_wq = alloc_workqueue("minikvm-irqfd-cleanup", 0, 0);
	return irqfd_cleanup_wq ? 0 : -ENOMEM;
}

void minikvm_irqfd_exit(void)
{
	destroy_workqueue(irqfd_cleanup_wq);
}

void minikvm_irqfd_vm_init(struct minikvm_vm *vm)
{
	spin_lock_init(&vm->irqfd_lock);
	INIT_LIST_HEAD(&vm->irqfds);
	mutex_init(&vm->irqfd_resampler_lock);
	INIT_LIST_HEAD(&vm->irqfd_resamplers);
}

static void irqfd_inject(struct work_struct *work)
{
	struct irqfd *irqfd = container_of(work, struct irqfd, inject);
	struct minikvm_vm *vm = irqfd->vm;

	if (irqfd->resampler) {
		minikvm_irqchip_set_irq(vm, MINIKVM_IRQFD_RESAMPLE_IRQ_SOURCE_ID, irqfd->gsi, 1);
		return;
	}
	minikvm_irqchip_set_irq(vm, MINIKVM_USERSPACE_IRQ_SOURCE_ID, irqfd->gsi, 1);
	minikvm_irqchip_set_irq(vm, MINIKVM_USERSPACE_IRQ_SOURCE_ID, irqfd->gsi, 0);
}

/* The pin of @gsi was acknowledged: lower the line, tell the VMM. */
void minikvm_irqfd_resample(struct minikvm_vm *vm, u32 gsi)
{
	struct irqfd_resampler *r;
	struct irqfd *irqfd;
	int idx;

	idx = srcu_read_lock(&vm->irq_srcu);
	list_for_each_entry_srcu(r, &vm->irqfd_resamplers, link,
				 srcu_read_lock_held(&vm->irq_srcu)) {
		if (r->gsi != gsi)
			continue;
		minikvm_irqchip_set_irq(vm, MINIKVM_IRQFD_RESAMPLE_IRQ_SOURCE_ID, gsi, 0);
		list_for_each_entry_srcu(irqfd, &r->irqfds, resampler_link,
					 srcu_read_lock_held(&vm->irq_srcu))
			eventfd_signal(irqfd->resamplefd, 1);
	}
	srcu_read_unlock(&vm->irq_srcu, idx);
}

/* Join the resampler of irqfd->gsi, creating it for the first one. */
static int resampler_join(struct irqfd *irqfd)
{
	struct minikvm_vm *vm = irqfd->vm;
	struct irqfd_resampler *r;

	mutex_lock(&vm->irqfd_resampler_lock);
	list_for_each_entry(r, &vm->irqfd_resamplers, link)
		if (r->gsi == irqfd->gsi)
			goto found;
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r) {
		mutex_unlock(&vm->irqfd_resampler_lock);
		return -ENOMEM;
	}
	r->vm = vm;
	r->gsi = irqfd->gsi;
	INIT_LIST_HEAD(&r->irqfds);
	list_add_rcu(&r->link, &vm->irqfd_resamplers);
found:
	irqfd->resampler = r;
	list_add_rcu(&irqfd->resampler_link, &r->irqfds);
	mutex_unlock(&vm->irqfd_resampler_lock);
	return 0;
}

/* Leave the resampler; the last one out lowers the line and frees it. */
static void resampler_leave(struct irqfd *irqfd)
{
	struct irqfd_resampler *r = irqfd->resampler;
	struct minikvm_vm *vm = irqfd->vm;

	mutex_lock(&vm->irqfd_resampler_lock);
	list_del_rcu(&irqfd->resampler_link);
	if (list_empty(&r->irqfds))
		list_del_rcu(&r->link);
	synchronize_srcu(&vm->irq_srcu);
	if (list_empty(&r->irqfds)) {
		minikvm_irqchip_set_irq(vm, MINIKVM_IRQFD_RESAMPLE_IRQ_SOURCE_ID, r->gsi, 0);
		kfree(r);
	}
	mutex_unlock(&vm->irqfd_resampler_lock);
}

/* After irqfd_deactivate(): no wakeup can queue an injection any more. */
static void irqfd_shutdown(struct work_struct *work)
{
	struct irqfd *irqfd = container_of(work, struct irqfd, shutdown);
	u64 cnt;

	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &cnt);
	flush_work(&irqfd->inject);
	if (irqfd->resampler) {
		resampler_leave(irqfd);
		eventfd_ctx_put(irqfd->resamplefd);
	}
	eventfd_ctx_put(irqfd->eventfd);
	kfree(irqfd);
}

/* Under vm->irqfd_lock: off the list, shutdown queued; once only. */
static void irqfd_deactivate(struct irqfd *irqfd)
{
	if (list_empty(&irqfd->link))
		return;
	list_del_init(&irqfd->link);
	queue_work(irqfd_cleanup_wq, &irqfd->shutdown);
}

static int irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct irqfd *irqfd = container_of(wait, struct irqfd, wait);
	__poll_t flags = key_to_poll(key);
	struct minikvm_vm *vm = irqfd->vm;
	unsigned long irqflags;
	u64 cnt;

	if (flags & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->eventfd, &cnt);
		schedule_work(&irqfd->inject);
	}
	if (flags & EPOLLHUP) {
		/* The eventfd is being released: the irqfd goes with it. */
		spin_lock_irqsave(&vm->irqfd_lock, irqflags);
		irqfd_deactivate(irqfd);
		spin_unlock_irqrestore(&vm->irqfd_lock, irqflags);
	}
	return 0;
}

static void irqfd_queue_proc(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct irqfd *irqfd = container_of(pt, struct irqfd, pt);

	add_wait_queue_priority(wqh, &irqfd->wait);
}

static int irqfd_assign(struct minikvm_vm *vm, const struct kvm_irqfd *args)
{
	struct irqfd *irqfd, *tmp;
	__poll_t events;
	struct fd f;
	int ret;

	/* As KVM: resampling needs the in-kernel IOAPIC and PIC. */
	if (args->flags & KVM_IRQFD_FLAG_RESAMPLE ? !minikvm_irqchip_kernel(vm) :
	    !minikvm_irqchip_in_kernel(vm))
		return -EINVAL;
	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd)
		return -ENOMEM;
	irqfd->vm = vm;
	irqfd->gsi = args->gsi;
	INIT_LIST_HEAD(&irqfd->link);
	INIT_LIST_HEAD(&irqfd->resampler_link);
	INIT_WORK(&irqfd->inject, irqfd_inject);
	INIT_WORK(&irqfd->shutdown, irqfd_shutdown);

	f = fdget(args->fd);
	if (!f.file) {
		kfree(irqfd);
		return -EBADF;
	}
	irqfd->eventfd = eventfd_ctx_fileget(f.file);
	if (IS_ERR(irqfd->eventfd)) {
		ret = PTR_ERR(irqfd->eventfd);
		irqfd->eventfd = NULL;
		goto fail;
	}
	if (args->flags & KVM_IRQFD_FLAG_RESAMPLE) {
		irqfd->resamplefd = eventfd_ctx_fdget(args->resamplefd);
		if (IS_ERR(irqfd->resamplefd)) {
			ret = PTR_ERR(irqfd->resamplefd);
			irqfd->resamplefd = NULL;
			goto fail;
		}
		ret = resampler_join(irqfd);
		if (ret)
			goto fail;
	}
	init_waitqueue_func_entry(&irqfd->wait, irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, irqfd_queue_proc);

	spin_lock_irq(&vm->irqfd_lock);
	list_for_each_entry(tmp, &vm->irqfds, link) {
		if (tmp->eventfd == irqfd->eventfd) {
			spin_unlock_irq(&vm->irqfd_lock);
			ret = -EBUSY;
			goto fail;
		}
	}
	list_add_tail(&irqfd->link, &vm->irqfds);
	spin_unlock_irq(&vm->irqfd_lock);

	/* A count already in the eventfd injects at once, as KVM. */
	events = vfs_poll(f.file, &irqfd->pt);
	if (events & EPOLLIN)
		schedule_work(&irqfd->inject);
	fdput(f);
	return 0;

fail:
	if (irqfd->resampler)
		resampler_leave(irqfd);
	if (irqfd->resamplefd)
		eventfd_ctx_put(irqfd->resamplefd);
	if (irqfd->eventfd)
		eventfd_ctx_put(irqfd->eventfd);
	fdput(f);
	kfree(irqfd);
	return ret;
}

/* As KVM: a pair (eventfd, gsi) that is not assigned is no error. */
static int irqfd_deassign(struct minikvm_vm *vm, const struct kvm_irqfd *args)
{
	struct irqfd *irqfd, *tmp;
	struct eventfd_ctx *eventfd;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	spin_lock_irq(&vm->irqfd_lock);
	list_for_each_entry_safe(irqfd, tmp, &vm->irqfds, link)
		if (irqfd->eventfd == eventfd && irqfd->gsi == args->gsi)
			irqfd_deactivate(irqfd);
	spin_unlock_irq(&vm->irqfd_lock);
	eventfd_ctx_put(eventfd);
	flush_workqueue(irqfd_cleanup_wq);
	return 0;
}

/**
 * minikvm_irqfd() - KVM_IRQFD
 * @vm: the VM
 * @args: userspace's request
 *
 * Return: 0; -EINVAL for unknown flags, without in-kernel LAPICs, or with
 * KVM_IRQFD_FLAG_RESAMPLE without KVM_CREATE_IRQCHIP; -EBADF or -EINVAL
 * for an fd (or resamplefd) that is not an eventfd; -EBUSY for an
 * eventfd already assigned; -ENOMEM.
 */
int minikvm_irqfd(struct minikvm_vm *vm, const struct kvm_irqfd *args)
{
	if (args->flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (args->flags & KVM_IRQFD_FLAG_DEASSIGN)
		return irqfd_deassign(vm, args);
	return irqfd_assign(vm, args);
}

/* The VM is going: every irqfd goes, and nothing of theirs runs after. */
void minikvm_irqfd_release(struct minikvm_vm *vm)
{
	struct irqfd *irqfd, *tmp;

	spin_lock_irq(&vm->irqfd_lock);
	list_for_each_entry_safe(irqfd, tmp, &vm->irqfds, link)
		irqfd_deactivate(irqfd);
	spin_unlock_irq(&vm->irqfd_lock);
	flush_workqueue(irqfd_cleanup_wq);
}
