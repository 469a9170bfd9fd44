// SPDX-License-Identifier: GPL-2.0
/*
 * The LAPIC timer (SDM Vol. 3A, "APIC Timer"): one-shot, periodic and
 * TSC-deadline, run by an hrtimer. The APIC bus ticks once a nanosecond,
 * KVM's APIC_BUS_CYCLE_NS, so a count of N with divide D lasts N * D ns.
 * As KVM, a periodic timer shorter than 200 us runs at 200 us
 * (min_timer_period_us).
 *
 * The hrtimer callback runs in hard-IRQ context on any CPU: it only posts
 * the LVT timer vector (irq/posted.c) and never touches the VMCS or the
 * register page beyond reading LVTT. The vCPU thread may rewrite LVTT,
 * period_ns and target while the callback runs (hrtimer_start() does not
 * wait for a running callback): the callback reads each once (READ_ONCE)
 * and decides on those values, and both sides access period_ns and
 * target with READ_ONCE/WRITE_ONCE.
 *
 * Timer advance (KVM's lapic_timer_advance_ns), TSC-deadline mode only:
 * the hrtimer fires timer_advance_ns before the deadline, so that the
 * wakeup of a halted vCPU, or the exit of a running one, is done while
 * the deadline is still ahead. The callback then posts nothing: it sets
 * MINIKVM_APIC_TIMER_EARLY and kicks. The vCPU thread, before its next
 * entry (minikvm_vcpu_ready_to_enter()), waits out what is left of the
 * advance and only then posts the vector, so the guest never sees the
 * interrupt before its deadline, and it sees it as soon after as an
 * entry allows. How early or late the thread got there adapts the
 * advance (lapic_timer_adapt()). Every path that cancels the hrtimer
 * clears the bit after hrtimer_cancel(), so a deadline rewritten after
 * an early fire raises nothing.
 */
#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <asm/tsc.h>

#include "irq/apic.h"
#include "irq/lapic.h"

#define LAPIC_MIN_PERIOD_NS	(200 * NSEC_PER_USEC)

/* -1: adaptive (from LAPIC_ADVANCE_INIT_NS); 0: off; N: N ns, fixed. */
static int lapic_timer_advance_ns = -1;
module_param(lapic_timer_advance_ns, int, 0444);
MODULE_PARM_DESC(lapic_timer_advance_ns,
		 "TSC-deadline timer fires this many ns early, the vCPU waits out the rest (-1: adaptive)");

#define LAPIC_ADVANCE_INIT_NS	1000
#define LAPIC_ADVANCE_MAX_NS	5000
/*
 * Adaptation: a step of 1/8 of the error, so one odd wakeup moves it
 * little; errors beyond LAPIC_ADVANCE_MAX_NS (the vCPU thread was
 * preempted, or in userspace) say nothing about the wakeup and are
 * ignored.
 */
#define LAPIC_ADVANCE_STEP	8

static u64 lapic_ns_to_tsc(u64 ns)
{
	return mul_u64_u32_div(ns, tsc_khz, NSEC_PER_MSEC);
}

/* @late: guest TSC ticks from the deadline to the vCPU thread's check (< 0: early). */
static void lapic_timer_adapt(struct minikvm_lapic *apic, s64 late)
{
	s64 ns, adv;

	if (lapic_timer_advance_ns >= 0 || !tsc_khz)
		return;
	/* Before the product, which a long absence would overflow. */
	if (abs(late) > lapic_ns_to_tsc(LAPIC_ADVANCE_MAX_NS))
		return;
	ns = div_s64(late * NSEC_PER_MSEC, tsc_khz);
	adv = (s64)apic->timer_advance_ns + ns / LAPIC_ADVANCE_STEP;
	apic->timer_advance_ns = clamp_t(s64, adv, 0, LAPIC_ADVANCE_MAX_NS);
}

/* The hrtimer of a TSC-deadline timer: @advance_ns before @target. */
static void lapic_timer_arm_deadline(struct minikvm_lapic *apic)
{
	hrtimer_start(&apic->timer, ktime_sub_ns(apic->target, apic->timer_advance_ns),
		      HRTIMER_MODE_ABS_HARD);
}

bool minikvm_lapic_timer_tscdeadline_mode(struct minikvm_lapic *apic)
{
	return (lapic_get_reg(apic, APIC_LVTT) & LAPIC_LVT_TIMER_MODE) ==
	       APIC_LVT_TIMER_TSCDEADLINE;
}

static bool lapic_timer_periodic(struct minikvm_lapic *apic)
{
	return (lapic_get_reg(apic, APIC_LVTT) & LAPIC_LVT_TIMER_MODE) == APIC_LVT_TIMER_PERIODIC;
}

/* An expiry: the LVT timer vector, unless the entry is masked. */
static void lapic_timer_post(struct minikvm_lapic *apic, u32 lvtt)
{
	if (!(lvtt & APIC_LVT_MASKED))
		minikvm_lapic_post(apic, lvtt & APIC_VECTOR_MASK);
}

static enum hrtimer_restart lapic_timer_fn(struct hrtimer *t)
{
	struct minikvm_lapic *apic = container_of(t, struct minikvm_lapic, timer);
	u32 lvtt = READ_ONCE(*(u32 *)(apic->regs + APIC_LVTT));
	u32 mode = lvtt & LAPIC_LVT_TIMER_MODE;
	u64 period = READ_ONCE(apic->period_ns);

	/* Fired ahead of the deadline: the vCPU thread waits for it. */
	if (mode == APIC_LVT_TIMER_TSCDEADLINE &&
	    (s64)(minikvm_guest_tsc(apic->vcpu) - READ_ONCE(apic->tsc_deadline)) < 0) {
		set_bit(MINIKVM_APIC_TIMER_EARLY, &apic->pending_events);
		/* The bit before the vCPU's mode: as a post's steps 1-4. */
		smp_mb__after_atomic();
		minikvm_vcpu_kick(apic->vcpu);
		return HRTIMER_NORESTART;
	}
	lapic_timer_post(apic, lvtt);
	if (mode == APIC_LVT_TIMER_TSCDEADLINE)
		WRITE_ONCE(apic->tsc_deadline, 0);
	if (mode != APIC_LVT_TIMER_PERIODIC || !period)
		return HRTIMER_NORESTART;
	WRITE_ONCE(apic->target, ktime_add_ns(READ_ONCE(apic->target), period));
	hrtimer_forward_now(t, ns_to_ktime(period));
	return HRTIMER_RESTART;
}

void minikvm_lapic_timer_init(struct minikvm_lapic *apic)
{
	hrtimer_init(&apic->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	apic->timer.function = lapic_timer_fn;
	apic->divide = 2;
	apic->timer_advance_ns = lapic_timer_advance_ns < 0 ? LAPIC_ADVANCE_INIT_NS :
				 min(lapic_timer_advance_ns, LAPIC_ADVANCE_MAX_NS);
}

void minikvm_lapic_timer_cancel(struct minikvm_lapic *apic)
{
	hrtimer_cancel(&apic->timer);
	clear_bit(MINIKVM_APIC_TIMER_EARLY, &apic->pending_events);
	WRITE_ONCE(apic->period_ns, 0);
}

/**
 * minikvm_lapic_timer_expire_early() - the vCPU thread's half of an advance
 * @apic: the LAPIC of the vCPU thread calling, process context
 *
 * If the TSC-deadline hrtimer fired early, wait until the guest's TSC
 * reaches the deadline, adapt the advance to the time left or the time
 * overdue, and post the LVT timer vector as the callback would have.
 * The wait is bounded by LAPIC_ADVANCE_MAX_NS, the most the advance can
 * be: the hrtimer fired no earlier than that before the deadline, on a
 * host whose clock and TSC agree.
 */
void minikvm_lapic_timer_expire_early(struct minikvm_lapic *apic)
{
	struct minikvm_vcpu *vcpu = apic->vcpu;
	u64 deadline = apic->tsc_deadline, limit;
	s64 late;

	/* A plain read first: this runs before every entry. */
	if (!test_bit(MINIKVM_APIC_TIMER_EARLY, &apic->pending_events) ||
	    !test_and_clear_bit(MINIKVM_APIC_TIMER_EARLY, &apic->pending_events))
		return;
	late = minikvm_guest_tsc(vcpu) - deadline;
	lapic_timer_adapt(apic, late);
	if (late < 0) {
		limit = rdtsc() + lapic_ns_to_tsc(LAPIC_ADVANCE_MAX_NS);
		while ((s64)(minikvm_guest_tsc(vcpu) - deadline) < 0 && rdtsc() < limit)
			cpu_relax();
	}
	apic->tsc_deadline = 0;
	lapic_timer_post(apic, lapic_get_reg(apic, APIC_LVTT));
}

/* TMICT written (or the mode changed): count from now. */
void minikvm_lapic_timer_start(struct minikvm_lapic *apic)
{
	u64 ns = (u64)lapic_get_reg(apic, APIC_TMICT) * apic->divide;

	if (!ns)
		return;
	if (lapic_timer_periodic(apic) && ns < LAPIC_MIN_PERIOD_NS)
		ns = LAPIC_MIN_PERIOD_NS;
	WRITE_ONCE(apic->period_ns, ns);
	WRITE_ONCE(apic->target, ktime_add_ns(ktime_get(), ns));
	hrtimer_start(&apic->timer, apic->target, HRTIMER_MODE_ABS_HARD);
}

/* KVM_SET_LAPIC: the timer goes on from the saved current count. */
void minikvm_lapic_timer_restore(struct minikvm_lapic *apic, u32 tmcct)
{
	u64 period = (u64)lapic_get_reg(apic, APIC_TMICT) * apic->divide;
	u64 ns = (u64)tmcct * apic->divide;

	if (!period)
		return;
	if (lapic_timer_periodic(apic) && period < LAPIC_MIN_PERIOD_NS)
		period = LAPIC_MIN_PERIOD_NS;
	if (!ns) {
		if (!lapic_timer_periodic(apic))
			return;
		ns = period;
	}
	WRITE_ONCE(apic->period_ns, period);
	WRITE_ONCE(apic->target, ktime_add_ns(ktime_get(), ns));
	hrtimer_start(&apic->timer, apic->target, HRTIMER_MODE_ABS_HARD);
}

/* TDCR: bits 0, 1 and 3 give divide 2, 4, ... 128, or 1 (SDM table "Divide Configuration"). */
void minikvm_lapic_timer_set_divide(struct minikvm_lapic *apic, u32 tdcr)
{
	u32 v = (tdcr & 3) | ((tdcr & 8) >> 1);

	lapic_set_reg(apic, APIC_TDCR, tdcr);
	apic->divide = 1 << ((v + 1) & 7);
}

/* LVTT written: a change of mode stops the timer and clears its counts, as KVM. */
void minikvm_lapic_timer_lvtt_written(struct minikvm_lapic *apic)
{
	u32 mode = lapic_get_reg(apic, APIC_LVTT) & LAPIC_LVT_TIMER_MODE;

	if (mode == apic->timer_mode)
		return;
	apic->timer_mode = mode;
	minikvm_lapic_timer_cancel(apic);
	lapic_set_reg(apic, APIC_TMICT, 0);
	apic->tsc_deadline = 0;
}

/* TMCCT: the count left, 0 once a one-shot count is done. */
u32 minikvm_lapic_timer_current(struct minikvm_lapic *apic)
{
	s64 left;

	if (minikvm_lapic_timer_tscdeadline_mode(apic) || !apic->period_ns ||
	    !lapic_get_reg(apic, APIC_TMICT))
		return 0;
	left = ktime_to_ns(ktime_sub(READ_ONCE(apic->target), ktime_get()));
	if (left <= 0) {
		if (!lapic_timer_periodic(apic))
			return 0;
		left = apic->period_ns - (u64)(-left) % apic->period_ns;
	}
	return div64_u64(left, apic->divide);
}

u64 minikvm_get_tsc_deadline(struct minikvm_vcpu *vcpu)
{
	struct minikvm_lapic *apic = vcpu->apic;

	if (!apic || !minikvm_lapic_timer_tscdeadline_mode(apic))
		return 0;
	return apic->tsc_deadline;
}

/* IA32_TSC_DEADLINE: a guest-TSC value; 0 disarms (SDM Vol. 3A, "TSC-Deadline Mode"). */
void minikvm_set_tsc_deadline(struct minikvm_vcpu *vcpu, u64 data)
{
	struct minikvm_lapic *apic = vcpu->apic;
	u64 host_tsc, now;
	s64 ns;

	if (!apic || !minikvm_lapic_timer_tscdeadline_mode(apic))
		return;
	hrtimer_cancel(&apic->timer);
	clear_bit(MINIKVM_APIC_TIMER_EARLY, &apic->pending_events);
	apic->tsc_deadline = data;
	if (!data)
		return;
	host_tsc = data - vcpu->tsc_offset;
	now = rdtsc();
	ns = host_tsc > now ? (s64)mul_u64_u32_div(host_tsc - now, 1000000, tsc_khz) : 0;
	WRITE_ONCE(apic->target, ktime_add_ns(ktime_get(), ns));
	WRITE_ONCE(apic->period_ns, 0);
	lapic_timer_arm_deadline(apic);
}
