// SPDX-License-Identifier: GPL-2.0
/*
 * Channel 0's interrupt: an hrtimer at the programmed period (one-shot in
 * modes 0, 1, 4; periodic in 2, 3) whose callback hands each tick to a
 * kthread worker, which pulses GSI 0 through minikvm_irqchip_set_irq().
 * The callback runs in hard interrupt context: it touches only atomics
 * and the worker, never the chipset, a VMCS or anything that sleeps.
 *
 * Reinjection, KVM's default policy (KVM_REINJECT_CONTROL turns it off):
 * every expiry adds to @pending, and the worker raises the line only when
 * the previous pulse was acknowledged (@irq_ack). minikvm_pit_irq_acked(),
 * called by the chipset at the guest's INTA or EOI, sets @irq_ack and, if
 * ticks were missed meanwhile, queues the next one; so a guest that was
 * descheduled still counts every tick. Without reinjection each expiry
 * raises the line and a pulse the guest had no time to take is lost
 * (coalesced by the PIC/IOAPIC).
 *
 * As in KVM, the timer runs only with the whole irqchip in the kernel
 * (KVM_CREATE_IRQCHIP) and while the HPET has not taken over
 * (KVM_PIT_FLAGS_HPET_LEGACY); a periodic period is at least 200 us
 * (KVM's min_timer_period_us default), so a guest cannot flood the host.
 */
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/sched.h>

#include "core/minikvm.h"
#include "irq/irqchip.h"
#include "irq/pit.h"

#define PIT_MIN_PERIOD_NS	(200 * NSEC_PER_USEC)

static void pit_tick_work(struct kthread_work *work)
{
	struct minikvm_pit *pit = container_of(work, struct minikvm_pit, tick);

	/* Reinjection: wait for the acknowledgement of the last pulse. */
	if (atomic_read(&pit->reinject) && !atomic_xchg(&pit->irq_ack, 0))
		return;
	minikvm_irqchip_set_irq(pit->vm, pit->irq_source_id, 0, 1);
	minikvm_irqchip_set_irq(pit->vm, pit->irq_source_id, 0, 0);
}

static enum hrtimer_restart pit_timer_fn(struct hrtimer *timer)
{
	struct minikvm_pit *pit = container_of(timer, struct minikvm_pit, timer);

	if (atomic_read(&pit->reinject))
		atomic_inc(&pit->pending);
	kthread_queue_work(pit->worker, &pit->tick);
	if (!pit->periodic)
		return HRTIMER_NORESTART;
	hrtimer_add_expires_ns(timer, pit->period_ns);
	return HRTIMER_RESTART;
}

/**
 * minikvm_pit_irq_acked() - the guest took IRQ 0 (irq/irqchip.h)
 * @vm: the VM
 *
 * Environment: any context the chipset calls it from (its locks may be
 * held): atomics and kthread_queue_work() only.
 */
void minikvm_pit_irq_acked(struct minikvm_vm *vm)
{
	struct minikvm_pit *pit = READ_ONCE(vm->pit);

	if (!pit || !atomic_read(&pit->reinject))
		return;
	atomic_set(&pit->irq_ack, 1);
	/* The worker's xchg of irq_ack pairs with this: set, then look. */
	smp_mb__after_atomic();
	if (atomic_dec_if_positive(&pit->pending) > 0)
		kthread_queue_work(pit->worker, &pit->tick);
}

/* No tick owed, and the next one may go in at once. */
void minikvm_pit_reset_reinject(struct minikvm_pit *pit)
{
	atomic_set(&pit->pending, 0);
	atomic_set(&pit->irq_ack, 1);
}

/* KVM_REINJECT_CONTROL, pit->lock held. */
void minikvm_pit_set_reinject(struct minikvm_pit *pit, bool reinject)
{
	if (atomic_read(&pit->reinject) == reinject)
		return;
	if (reinject)
		minikvm_pit_reset_reinject(pit);
	atomic_set(&pit->reinject, reinject);
}

/* Cancel the timer and let a tick in flight finish; pit->lock held. */
void minikvm_pit_timer_stop(struct minikvm_pit *pit)
{
	hrtimer_cancel(&pit->timer);
	kthread_flush_work(&pit->tick);
}

/**
 * minikvm_pit_timer_start() - arm channel 0's interrupt for a new count
 * @pit: the PIT, lock held
 * @count: the initial count, 1 to 0x10000 (more from KVM_SET_PIT2)
 * @periodic: modes 2 and 3
 */
void minikvm_pit_timer_start(struct minikvm_pit *pit, u32 count, bool periodic)
{
	s64 interval = mul_u64_u32_div(count, NSEC_PER_SEC, PIT_HZ);

	if (!minikvm_irqchip_kernel(pit->vm) || (pit->flags & KVM_PIT_FLAGS_HPET_LEGACY))
		return;
	minikvm_pit_timer_stop(pit);
	pit->period_ns = interval;
	pit->periodic = periodic;
	minikvm_pit_reset_reinject(pit);
	if (periodic && pit->period_ns < PIT_MIN_PERIOD_NS)
		pit->period_ns = PIT_MIN_PERIOD_NS;
	hrtimer_start(&pit->timer, ktime_add_ns(ktime_get(), interval), HRTIMER_MODE_ABS);
}

/*
 * Nanoseconds into channel 0's current period: past the period once a
 * one-shot expired. 0 while no timer was ever programmed.
 */
s64 minikvm_pit_timer_elapsed_ns(struct minikvm_pit *pit)
{
	if (!pit->period_ns)
		return 0;
	return pit->period_ns - ktime_to_ns(hrtimer_get_remaining(&pit->timer));
}

int minikvm_pit_timer_init(struct minikvm_pit *pit)
{
	pit->worker = kthread_create_worker(0, "minikvm-pit/%d", task_tgid_vnr(current));
	if (IS_ERR(pit->worker))
		return PTR_ERR(pit->worker);
	kthread_init_work(&pit->tick, pit_tick_work);
	hrtimer_init(&pit->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	pit->timer.function = pit_timer_fn;
	atomic_set(&pit->reinject, 1);
	minikvm_pit_reset_reinject(pit);
	return 0;
}

/* The timer cannot queue work once cancelled; then the worker goes. */
void minikvm_pit_timer_destroy(struct minikvm_pit *pit)
{
	hrtimer_cancel(&pit->timer);
	kthread_destroy_worker(pit->worker);
}
