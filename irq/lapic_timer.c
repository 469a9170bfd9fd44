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
 */
#include <linux/kernel.h>
#include <linux/math64.h>
#include <asm/tsc.h>

#include "irq/apic.h"
#include "irq/lapic.h"

#define LAPIC_MIN_PERIOD_NS	(200 * NSEC_PER_USEC)

bool minikvm_lapic_timer_tscdeadline_mode(struct minikvm_lapic *apic)
{
	return (lapic_get_reg(apic, APIC_LVTT) & LAPIC_LVT_TIMER_MODE) ==
	       APIC_LVT_TIMER_TSCDEADLINE;
}

static bool lapic_timer_periodic(struct minikvm_lapic *apic)
{
	return (lapic_get_reg(apic, APIC_LVTT) & LAPIC_LVT_TIMER_MODE) == APIC_LVT_TIMER_PERIODIC;
}

static enum hrtimer_restart lapic_timer_fn(struct hrtimer *t)
{
	struct minikvm_lapic *apic = container_of(t, struct minikvm_lapic, timer);
	u32 lvtt = READ_ONCE(*(u32 *)(apic->regs + APIC_LVTT));
	u32 mode = lvtt & LAPIC_LVT_TIMER_MODE;
	u64 period = READ_ONCE(apic->period_ns);

	if (!(lvtt & APIC_LVT_MASKED))
		minikvm_lapic_post(apic, lvtt & APIC_VECTOR_MASK);
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
}

void minikvm_lapic_timer_cancel(struct minikvm_lapic *apic)
{
	hrtimer_cancel(&apic->timer);
	WRITE_ONCE(apic->period_ns, 0);
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
	apic->tsc_deadline = data;
	if (!data)
		return;
	host_tsc = data - vcpu->tsc_offset;
	now = rdtsc();
	ns = host_tsc > now ? (s64)mul_u64_u32_div(host_tsc - now, 1000000, tsc_khz) : 0;
	WRITE_ONCE(apic->target, ktime_add_ns(ktime_get(), ns));
	WRITE_ONCE(apic->period_ns, 0);
	hrtimer_start(&apic->timer, apic->target, HRTIMER_MODE_ABS_HARD);
}
