// SPDX-License-Identifier: GPL-2.0
/*
 * Posted interrupts in software: how an interrupt reaches a vCPU that
 * another thread is running, halting, or not running at all, and how it
 * gets into the guest.
 *
 *   sender (any thread)                 target vCPU thread
 *   minikvm_lapic_post():                       run loop, IRQs off:
 *     1 set PIR bit (atomic)              a vcpu->mode = IN_GUEST; smp_mb
 *     2 set ON (atomic)                   b minikvm_inject_events():
 *     3 make REQ_EVENT (atomic)             test and clear REQ_EVENT,
 *     4 smp_mb__after_atomic                minikvm_lapic_fold_pir(): clear ON,
 *     5 vcpu_kick():                        xchg each PIR word into IRR
 *       IN_GUEST -> EXITING, IPI          c VM entry
 *       (or the notification vector,
 *       see minikvm_lapic_post())
 *       blocked -> wake
 *
 * No interrupt is lost: if the sender's step 5 reads mode before the
 * target's step a, then the target's step b comes after step 3 (the
 * full barriers on both sides order them) and sees REQ_EVENT; if it reads
 * IN_GUEST, the target may be past b, and the IPI, held pending because
 * IRQs are off, makes the entry c exit at once; the next loop folds.
 * A vCPU blocked in minikvm_vcpu_block() rechecks the PIR's ON bit
 * after it sets its task state (rcuwait_wait_event()), so a wake that
 * comes before it sleeps is seen.
 *
 * None is doubled: a PIR word moves to IRR with one xchg, so each set
 * bit is taken by exactly one fold; IRR to ISR (the acknowledgement) is
 * done by the vCPU thread alone, once, when the vector goes into the
 * VM-entry fields, and an exit that cuts its delivery short re-injects
 * the same event (irq/event.c) rather than acknowledging again. Two
 * posts of one vector before the fold merge into one IRR bit, as on a
 * real LAPIC.
 *
 * Environment: minikvm_lapic_post() and minikvm_vcpu_kick() from any context
 * (hrtimer callback included); the rest in the vCPU thread.
 */
#include <linux/kernel.h>
#include <linux/rcuwait.h>
#include <linux/sched/signal.h>
#include <linux/smp.h>
#include <asm/apic.h>

#include "core/observe.h"
#include "core/request.h"
#include "core/trace.h"
#include "irq/apic.h"
#include "irq/event.h"
#include "irq/lapic.h"
#include "uapi/minikvm.h"

/*
 * A kick, or with @notify a posted interrupt's notification: wake a
 * blocked vCPU, or reach one in guest mode on another CPU. The kick's
 * IPI only has to cause a VM exit (external-interrupt exiting), and the
 * host handles it as a reschedule IPI; the vCPU is marked EXITING so
 * that others do not send another. The notification is
 * MINIKVM_PI_NOTIFY_VECTOR, which a CPU in guest mode takes without an
 * exit (below); vcpu->mode stays IN_GUEST. run_cpu is read after the
 * caller's barrier and before vcpu->mode, the reverse of the order the
 * run loop writes them in, so a vCPU that moved and re-entered is found
 * on its new CPU.
 */
static void vcpu_kick(struct minikvm_vcpu *vcpu, bool notify)
{
	int cpu, me;

	if (rcuwait_wake_up(&vcpu->wait)) {
		atomic64_inc(&vcpu->stat.kicks);
		trace_minikvm_kick(vcpu, -1, false);
		return;
	}
	me = get_cpu();
	cpu = READ_ONCE(vcpu->run_cpu);
	/* run_cpu before mode: pairs with the run loop's smp_store_mb(). */
	smp_rmb();
	if (cpu == me || cpu < 0)
		goto out;
	if (notify) {
		if (READ_ONCE(vcpu->mode) != MINIKVM_IN_GUEST)
			goto out;
		apic->send_IPI(cpu, MINIKVM_PI_NOTIFY_VECTOR);
	} else {
		if (cmpxchg(&vcpu->mode, MINIKVM_IN_GUEST, MINIKVM_EXITING_GUEST) !=
		    MINIKVM_IN_GUEST)
			goto out;
		smp_send_reschedule(cpu);
	}
	atomic64_inc(&vcpu->stat.kicks);
	trace_minikvm_kick(vcpu, cpu, true);
out:
	put_cpu();
}

/**
 * minikvm_vcpu_kick() - make a vCPU look at its requests soon
 * @vcpu: the target
 *
 * A vCPU in guest mode on another CPU gets an IPI that makes it exit. A
 * blocked vCPU is woken. A vCPU between the two looks at its requests
 * with IRQs off before entering (see above).
 */
void minikvm_vcpu_kick(struct minikvm_vcpu *vcpu)
{
	vcpu_kick(vcpu, false);
}

/*
 * Post @vector to @apic's vCPU: steps 1-5 above. Where the CPU processes
 * posted interrupts (MINIKVM_APICV_POSTED, vmx/apicv.c), step 5 sends
 * the notification vector instead of the kick's IPI, and the vCPU does
 * not exit for it:
 *  - in guest mode, the CPU takes the vector as a posted-interrupt
 *    notification (SDM Vol. 3C, "Posted-Interrupt Processing"): it clears
 *    ON, moves the PIR into the page's IRR (the vIRR), raises RVI to the
 *    highest of them and delivers as virtual-interrupt delivery does;
 *  - between step a and the entry, IRQs are off: the vector waits in the
 *    host's local APIC and is taken, the same way, in guest mode just
 *    after the entry (external interrupts stay pending across it);
 *  - after the exit, it reaches the host, whose handler only acknowledges
 *    it; ON and REQ_EVENT are still set, and the next entry folds (b).
 * Either the CPU or step b empties a PIR word, never both at once: the
 * fold runs in the vCPU's thread outside guest mode, the CPU's
 * processing only in guest mode. A level-triggered vector still kicks:
 * its EOI must exit, and the exit writes the EOI-exit bitmap that names
 * it (minikvm_lapic_update_apicv()).
 */
void minikvm_lapic_post(struct minikvm_lapic *apic, u8 vector)
{
	struct minikvm_vcpu *vcpu = apic->vcpu;
	bool notify = (READ_ONCE(vcpu->vm->apicv) & MINIKVM_APICV_POSTED) &&
		      !lapic_test_vec(apic, APIC_TMR, vector);

	set_bit(vector, apic->pi->pir);
	set_bit(MINIKVM_PI_ON, &apic->pi->control);
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
	/* Step 4: the request before the read of vcpu->mode in the kick. */
	smp_mb__after_atomic();
	atomic64_inc(&vcpu->stat.irq_posted);
	trace_minikvm_irq_post(vcpu, vector);
	vcpu_kick(vcpu, notify);
}

/* An NMI from another LAPIC (ICR, LINT1 by message): counted, then kicked. */
void minikvm_lapic_post_nmi(struct minikvm_vcpu *vcpu)
{
	atomic_inc(&vcpu->apic->nmi_posted);
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
	/* As step 4 of minikvm_lapic_post(). */
	smp_mb__after_atomic();
	minikvm_vcpu_kick(vcpu);
}

/* Step b: the PIR into IRR, each word taken whole by one xchg. */
void minikvm_lapic_fold_pir(struct minikvm_lapic *apic)
{
	unsigned int i;

	if (!test_and_clear_bit(MINIKVM_PI_ON, &apic->pi->control))
		return;
	for (i = 0; i < ARRAY_SIZE(apic->pi->pir); i++) {
		unsigned long w;
		unsigned int j;

		if (!READ_ONCE(apic->pi->pir[i]))
			continue;
		w = xchg(&apic->pi->pir[i], 0);
		for (j = 0; j < BITS_PER_LONG / 32; j++)
			*(u32 *)(apic->regs + APIC_IRR + ((i * BITS_PER_LONG / 32 + j) << 4)) |=
				(u32)(w >> (32 * j));
	}
}

static int lapic_highest(struct minikvm_lapic *apic, u32 reg)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 w = lapic_get_reg(apic, reg + (i << 4));

		if (w)
			return i * 32 + __fls(w);
	}
	return -1;
}

int minikvm_lapic_highest_irr(struct minikvm_lapic *apic)
{
	return lapic_highest(apic, APIC_IRR);
}

int minikvm_lapic_highest_isr(struct minikvm_lapic *apic)
{
	return lapic_highest(apic, APIC_ISR);
}

/* The highest requested vector above the processor priority, or -1. */
static int lapic_deliverable(struct minikvm_lapic *apic)
{
	int irr;

	if (!lapic_hw_enabled(apic))
		return -1;
	irr = minikvm_lapic_highest_irr(apic);
	if (irr < 0 || (u32)(irr & 0xf0) <= minikvm_lapic_ppr(apic))
		return -1;
	return irr;
}

/* LINT0 takes ExtINT: unmasked in ExtINT mode, or the APIC is off (KVM's rule). */
bool minikvm_lapic_ready_for_extint(struct minikvm_vcpu *vcpu)
{
	struct minikvm_lapic *apic = vcpu->apic;
	u32 lvt0;

	if (!apic || !lapic_hw_enabled(apic))
		return true;
	lvt0 = lapic_get_reg(apic, APIC_LVT0);
	return !(lvt0 & APIC_LVT_MASKED) && (lvt0 & APIC_MODE_MASK) == APIC_DM_EXTINT;
}

/* An ExtINT is waiting: the VMM's (split) or the in-kernel PIC's. */
static bool lapic_has_extint(struct minikvm_vcpu *vcpu)
{
	if (!minikvm_lapic_ready_for_extint(vcpu))
		return false;
	if (minikvm_irqchip_split(vcpu->vm))
		return vcpu->apic->pending_extint >= 0;
	return minikvm_irqchip_kernel(vcpu->vm) && minikvm_pic_has_interrupt(vcpu->vm);
}

/* Something the LAPIC would deliver now (KVM's kvm_cpu_has_interrupt()). */
bool minikvm_lapic_has_interrupt(struct minikvm_vcpu *vcpu)
{
	struct minikvm_lapic *apic = vcpu->apic;

	if (!apic)
		return false;
	minikvm_lapic_fold_pir(apic);
	return lapic_has_extint(vcpu) || lapic_deliverable(apic) >= 0;
}

/*
 * The INTA cycle: the vector to inject, acknowledged; -1 for none. With
 * virtual-interrupt delivery only an ExtINT: the CPU takes the LAPIC's
 * own vectors from the page.
 */
static int lapic_ack(struct minikvm_vcpu *vcpu, bool vid)
{
	struct minikvm_lapic *apic = vcpu->apic;
	int vec;

	if (lapic_has_extint(vcpu)) {
		if (minikvm_irqchip_split(vcpu->vm)) {
			vec = apic->pending_extint;
			apic->pending_extint = -1;
			return vec;
		}
		vec = minikvm_pic_read_irq(vcpu->vm);
		if (vec >= 0)
			return vec;
	}
	if (vid)
		return -1;
	vec = lapic_deliverable(apic);
	if (vec < 0)
		return -1;
	*(u32 *)(apic->regs + APIC_IRR + LAPIC_VEC_WORD(vec)) &= ~BIT(LAPIC_VEC_BIT(vec));
	*(u32 *)(apic->regs + APIC_ISR + LAPIC_VEC_WORD(vec)) |= BIT(LAPIC_VEC_BIT(vec));
	minikvm_lapic_ppr(apic);
	return vec;
}

/**
 * minikvm_lapic_sync() - what others left for the vCPU, into its state
 * @vcpu: loaded vCPU, IRQs off, REQ_EVENT just taken
 *
 * NMIs sent by other LAPICs join KVM_NMI's count (irq/event.c takes
 * them with REQ_NMI); the PIR is folded into the IRR.
 */
void minikvm_lapic_sync(struct minikvm_vcpu *vcpu)
{
	int n = atomic_xchg(&vcpu->apic->nmi_posted, 0);

	if (n) {
		vcpu->nmi_queued = min(vcpu->nmi_queued + n, 2);
		minikvm_make_request(MINIKVM_REQ_NMI, vcpu);
	}
	minikvm_lapic_fold_pir(vcpu->apic);
}

/* Split irqchip: KVM_INTERRUPT's ExtINT waits for LINT0. */
bool minikvm_lapic_extint_pending(struct minikvm_vcpu *vcpu)
{
	return vcpu->apic && vcpu->apic->pending_extint >= 0;
}

/**
 * minikvm_lapic_inject() - the LAPIC's part of the decision before entry
 * @vcpu: loaded vCPU, IRQs off, REQ_EVENT just taken
 * @busy: an event already goes in with this entry
 *
 * With nothing else going in and the guest able to
 * take it, acknowledges the highest deliverable interrupt and injects it;
 * otherwise arms the interrupt window, whose exit makes REQ_EVENT again.
 * With virtual-interrupt delivery only an ExtINT goes this way: the
 * LAPIC's vectors need neither injection nor window, the CPU delivers
 * them from RVI when the guest can take them
 * (minikvm_lapic_update_apicv()).
 */
void minikvm_lapic_inject(struct minikvm_vcpu *vcpu, bool busy)
{
	bool vid = vcpu->vm->apicv & MINIKVM_APICV_VID;
	int vec;

	if (vcpu->interrupt.injected)
		return;
	if (vid ? !lapic_has_extint(vcpu) : !minikvm_lapic_has_interrupt(vcpu))
		return;
	if (busy || !minikvm_interrupt_allowed(vcpu)) {
		minikvm_enable_window(vcpu, MINIKVM_WINDOW_IRQ);
		return;
	}
	vec = lapic_ack(vcpu, vid);
	if (vec < 0)
		return;
	vcpu->interrupt.injected = true;
	vcpu->interrupt.soft = false;
	vcpu->interrupt.nr = vec;
}

/*
 * Virtual-interrupt delivery: RVI, SVI, and the EOI-exit bitmap. An EOI
 * the CPU virtualizes (x2APIC mode) exits only for a vector the bitmap
 * names, and every EOI someone listens to must exit: a level vector's
 * (TMR), whose EOI the IOAPIC or, split, the VMM must hear, and with the
 * in-kernel IOAPIC each vector its redirection table names, edge too,
 * since the PIT's reinjection waits for the EOI of its edge pin's vector
 * (minikvm_lapic_eoi(); KVM's ioapic_handled_vectors).
 */
static void lapic_update_virtual_interrupts(struct minikvm_vcpu *vcpu)
{
	struct minikvm_lapic *apic = vcpu->apic;
	int irr = lapic_hw_enabled(apic) ? minikvm_lapic_highest_irr(apic) : -1;
	int isr = minikvm_lapic_highest_isr(apic);
	u64 eoi_exit[4];
	unsigned int i;

	/*
	 * A level vector's TMR bit was set before the vector was posted
	 * (lapic_accept()), so before the fold that put it in IRR and this
	 * bitmap that follows it.
	 */
	for (i = 0; i < 4; i++)
		eoi_exit[i] = lapic_get_reg(apic, APIC_TMR + (2 * i << 4)) |
			      (u64)lapic_get_reg(apic, APIC_TMR + ((2 * i + 1) << 4)) << 32;
	if (minikvm_irqchip_kernel(vcpu->vm))
		minikvm_ioapic_vectors(vcpu->vm, eoi_exit);
	minikvm_set_virtual_interrupts(vcpu, irr < 0 ? 0 : irr, isr < 0 ? 0 : isr, eoi_exit);
}

/**
 * minikvm_lapic_update_apicv() - after the injection decision
 * @vcpu: loaded vCPU with a LAPIC, IRQs off, REQ_EVENT just taken
 *
 * With virtual-interrupt delivery, the CPU is told what the page
 * requests (RVI) and serves (SVI). Otherwise, with a TPR shadow the
 * guest changes TPR through CR8 without an exit; it must exit when it
 * lowers TPR below the priority class of the highest requested vector
 * that TPR holds back, so that the vector goes in then (KVM's
 * update_cr8_intercept()). Nothing held back by TPR: 0, no exit. The
 * class named never exceeds TPR's, as VM entry requires.
 */
void minikvm_lapic_update_apicv(struct minikvm_vcpu *vcpu)
{
	struct minikvm_lapic *apic = vcpu->apic;
	u32 tpr = lapic_get_reg(apic, APIC_TASKPRI) >> 4;
	int irr;

	if (vcpu->vm->apicv & MINIKVM_APICV_VID) {
		lapic_update_virtual_interrupts(vcpu);
		return;
	}
	irr = minikvm_lapic_highest_irr(apic);
	minikvm_set_tpr_threshold(vcpu, irr < 0 || (irr >> 4) > tpr ? 0 : irr >> 4);
}

/* Can the vCPU run, or is there an event that would make it (KVM's kvm_arch_vcpu_runnable())? */
static bool lapic_wake_event(struct minikvm_vcpu *vcpu)
{
	struct minikvm_lapic *apic = vcpu->apic;

	if (READ_ONCE(apic->pending_events))
		return true;
	if (atomic_read(&apic->nmi_posted) || vcpu->nmi_pending || vcpu->nmi_queued)
		return true;
	if (test_bit(MINIKVM_REQ_NMI, &vcpu->requests))
		return true;
	if (!minikvm_interrupt_allowed(vcpu))
		return false;
	return vcpu->interrupt.injected || minikvm_lapic_has_interrupt(vcpu);
}

bool minikvm_vcpu_runnable(struct minikvm_vcpu *vcpu)
{
	if (vcpu->mp_state == KVM_MP_STATE_RUNNABLE)
		return true;
	if (vcpu->mp_state == KVM_MP_STATE_HALTED)
		return lapic_wake_event(vcpu);
	/* Waiting for INIT or SIPI: only those count. */
	return READ_ONCE(vcpu->apic->pending_events);
}

/**
 * minikvm_vcpu_block() - sleep until the vCPU has something to do
 * @vcpu: the vCPU, loaded, in the vCPU thread
 *
 * Sleeps on vcpu->wait, which minikvm_vcpu_kick() wakes; the condition
 * is checked again after the task state is set, so no wake is missed.
 *
 * Return: 0 when runnable or woken by an event, -EINTR on a signal.
 */
int minikvm_vcpu_block(struct minikvm_vcpu *vcpu)
{
	int ret;

	ret = rcuwait_wait_event(&vcpu->wait, minikvm_vcpu_runnable(vcpu) ||
				 signal_pending(current), TASK_INTERRUPTIBLE);
	if (ret)
		return ret;
	return signal_pending(current) && !minikvm_vcpu_runnable(vcpu) ? -EINTR : 0;
}

/**
 * minikvm_lapic_halt() - HLT with the LAPIC in the kernel
 * @vcpu: the vCPU; RIP already past the HLT
 *
 * The vCPU is HALTED until an event wakes it (the run loop blocks it).
 *
 * Return: RESUME_GUEST.
 */
int minikvm_lapic_halt(struct minikvm_vcpu *vcpu)
{
	vcpu->mp_state = KVM_MP_STATE_HALTED;
	return RESUME_GUEST;
}

/**
 * minikvm_lapic_accept_events() - INIT and SIPI, in the vCPU thread
 * @vcpu: the loaded vCPU
 *
 * KVM's kvm_apic_accept_events(): INIT resets the vCPU to its INIT state
 * and, unless it is the BSP, leaves it waiting for SIPI; a SIPI to a
 * vCPU waiting for one starts it at the vector's page. A halted vCPU
 * woken by an event becomes runnable.
 *
 * Return: 0.
 */
int minikvm_lapic_accept_events(struct minikvm_vcpu *vcpu)
{
	struct minikvm_lapic *apic = vcpu->apic;
	unsigned long pe;

	if (!apic)
		return 0;
	if (test_and_clear_bit(MINIKVM_APIC_INIT, &apic->pending_events)) {
		minikvm_vcpu_init_reset(vcpu);
		minikvm_lapic_reset(vcpu, true);
		vcpu->exception_pending = false;
		vcpu->exception_injected = false;
		vcpu->interrupt.injected = false;
		vcpu->nmi_injected = false;
		vcpu->nmi_pending = 0;
		vcpu->mp_state = vcpu->msr_apic_base & MSR_IA32_APICBASE_BSP ?
				 KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_INIT_RECEIVED;
	}
	pe = READ_ONCE(apic->pending_events);
	if (test_bit(MINIKVM_APIC_SIPI, &pe)) {
		clear_bit(MINIKVM_APIC_SIPI, &apic->pending_events);
		if (vcpu->mp_state == KVM_MP_STATE_INIT_RECEIVED) {
			/* Pairs with the smp_wmb() of lapic_accept(). */
			smp_rmb();
			minikvm_vcpu_start_at(vcpu, READ_ONCE(apic->sipi_vector));
			vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
		}
	}
	return 0;
}

/* INIT, SIPI or an early timer waits (minikvm_lapic_events_pending(), vCPUs with a LAPIC). */
bool __minikvm_lapic_events_pending(struct minikvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->apic->pending_events);
}

/* KVM_SET_MP_STATE of SIPI_RECEIVED: the last SIPI vector, taken at the next run. */
void minikvm_lapic_sipi_pending(struct minikvm_vcpu *vcpu)
{
	set_bit(MINIKVM_APIC_SIPI, &vcpu->apic->pending_events);
}

/**
 * __minikvm_vcpu_ready_to_enter() - the run loop's step before an entry
 * @vcpu: the loaded vCPU with an in-kernel LAPIC, process context
 *
 * A TSC-deadline timer that fired its advance early is waited out and
 * posted first (irq/lapic_timer.c), before and after any sleep. A vCPU
 * that cannot run (HALTED without a wake event, waiting for INIT or
 * SIPI) blocks; then INIT/SIPI are taken and a halted vCPU with an
 * event runs again. A signal leaves it as it was, HALTED included, as
 * KVM's vcpu_block() does: the loop's signal check then ends KVM_RUN
 * with KVM_EXIT_INTR, and the next KVM_RUN blocks again.
 *
 * Return: true to enter the guest, false to go round the loop (a signal,
 * or the vCPU still waits for SIPI).
 */
bool __minikvm_vcpu_ready_to_enter(struct minikvm_vcpu *vcpu)
{
	minikvm_lapic_timer_expire_early(vcpu->apic);
	if (!minikvm_vcpu_runnable(vcpu)) {
		minikvm_vcpu_block(vcpu);
		minikvm_lapic_timer_expire_early(vcpu->apic);
		if (!minikvm_vcpu_runnable(vcpu))
			return false;
		if (vcpu->mp_state == KVM_MP_STATE_HALTED)
			vcpu->stat.halt_wakeup++;
	}
	minikvm_lapic_accept_events(vcpu);
	if (vcpu->mp_state == KVM_MP_STATE_HALTED) {
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
		/*
		 * What woke it is in the page's IRR; the entry names it in
		 * RVI (virtual-interrupt delivery) or injects it, even if the
		 * request that came with the post was already taken.
		 */
		minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
	}
	return vcpu->mp_state == KVM_MP_STATE_RUNNABLE;
}

/*
 * An EOI of a level-triggered vector with the IOAPIC in userspace:
 * KVM_RUN returns KVM_EXIT_IOAPIC_EOI (KVM's KVM_REQ_IOAPIC_EOI_EXIT).
 * Called by minikvm_ioapic_eoi_exit() when the request bit is set.
 */
bool __minikvm_ioapic_eoi_exit(struct minikvm_vcpu *vcpu)
{
	if (!minikvm_check_request(MINIKVM_REQ_IOAPIC_EOI_EXIT, vcpu))
		return false;
	vcpu->run->exit_reason = KVM_EXIT_IOAPIC_EOI;
	vcpu->run->eoi.vector = vcpu->pending_ioapic_eoi;
	return true;
}
