// SPDX-License-Identifier: GPL-2.0
/*
 * What goes into the guest with the next entry, and when: the policy
 * half of event injection, vendor-neutral (the VT-x half is
 * vmx/event_inject.c, reached through core/vendor.h). It follows KVM's
 * kvm_check_and_inject_events() for a VM without an in-kernel irqchip:
 *
 *   1. an event whose delivery already began (injected) goes in first:
 *      exception, else NMI, else the interrupt from KVM_INTERRUPT;
 *   2. then a pending exception, then a pending NMI if the guest does
 *      not block NMIs; with something already going in, either of them
 *      asks for an exit right after the entry, to come back at once;
 *   3. an NMI the guest blocks waits for the NMI window; userspace's
 *      request_interrupt_window arms the interrupt window.
 *
 * The interrupt from KVM_INTERRUPT is "injected" at once, as in KVM: the
 * VMM must only give it when ready_for_interrupt_injection said so.
 *
 * Environment: the vCPU thread, vCPU loaded; __minikvm_inject_events()
 * with IRQs off just before entry.
 */
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <asm/irq_vectors.h>
#include <asm/kvm_host.h>

#include "core/minikvm.h"
#include "core/observe.h"
#include "core/request.h"
#include "irq/apic.h"
#include "irq/event.h"

/* vcpu->event_in_flight: which injected event the last entry carried. */
enum irq_in_flight {
	IRQ_IN_FLIGHT_NONE,
	IRQ_IN_FLIGHT_EXCEPTION,
	IRQ_IN_FLIGHT_NMI,
	IRQ_IN_FLIGHT_INTR,
};

static bool irq_exception_is_soft(u8 vector)
{
	return vector == BP_VECTOR || vector == OF_VECTOR;
}

static void irq_inject_exc(struct minikvm_vcpu *vcpu)
{
	u8 vector = vcpu->exception_vector;

	minikvm_inject_event(vcpu, irq_exception_is_soft(vector) ? MINIKVM_EVENT_SOFT_EXCEPTION :
			     MINIKVM_EVENT_EXCEPTION, vector, vcpu->exception_has_error,
			     vcpu->exception_error, vcpu->event_insn_len);
	vcpu->event_in_flight = IRQ_IN_FLIGHT_EXCEPTION;
}

static void irq_inject_nmi(struct minikvm_vcpu *vcpu)
{
	minikvm_inject_event(vcpu, MINIKVM_EVENT_NMI, NMI_VECTOR, false, 0, 0);
	vcpu->event_in_flight = IRQ_IN_FLIGHT_NMI;
	minikvm_note_nmi_injected(vcpu);
}

static void irq_inject_intr(struct minikvm_vcpu *vcpu)
{
	minikvm_inject_event(vcpu, vcpu->interrupt.soft ? MINIKVM_EVENT_SOFT_INTR :
			     MINIKVM_EVENT_INTR, vcpu->interrupt.nr, false, 0, vcpu->event_insn_len);
	vcpu->event_in_flight = IRQ_IN_FLIGHT_INTR;
	minikvm_note_irq_injected(vcpu);
}

/*
 * KVM_NMI calls become pending NMIs: one may run and one wait behind it,
 * so two at most, one when an NMI is already being handled or delivered
 * (KVM's process_nmi()).
 */
static void irq_process_nmi(struct minikvm_vcpu *vcpu)
{
	unsigned int limit = minikvm_get_nmi_mask(vcpu) || vcpu->nmi_injected ? 1 : 2;

	vcpu->nmi_pending = min_t(unsigned int, vcpu->nmi_pending + vcpu->nmi_queued, limit);
	vcpu->nmi_queued = 0;
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
}

/* Step 1: the event whose delivery already began. Return: one went in. */
static bool irq_inject_injected(struct minikvm_vcpu *vcpu)
{
	if (vcpu->exception_injected)
		irq_inject_exc(vcpu);
	else if (vcpu->nmi_injected)
		irq_inject_nmi(vcpu);
	else if (vcpu->interrupt.injected)
		irq_inject_intr(vcpu);
	else
		return false;
	return true;
}

/* REQ_EVENT: decide what goes in with this entry (steps 1-3 above). */
static void irq_inject_events(struct minikvm_vcpu *vcpu)
{
	bool busy;

	/* The LAPIC's NMIs join KVM_NMI's; the posted vectors join the IRR. */
	if (vcpu->apic) {
		minikvm_lapic_sync(vcpu);
		if (minikvm_check_request(MINIKVM_REQ_NMI, vcpu))
			irq_process_nmi(vcpu);
	}

	/* Userspace waits to give an interrupt: exit once the guest can take it. */
	if (READ_ONCE(vcpu->run->request_interrupt_window) && !vcpu->interrupt.injected)
		minikvm_enable_window(vcpu, MINIKVM_WINDOW_IRQ);

	busy = irq_inject_injected(vcpu);
	if (vcpu->exception_pending) {
		if (busy)
			goto come_back;
		vcpu->exception_pending = false;
		vcpu->exception_injected = true;
		irq_inject_exc(vcpu);
		busy = true;
	}
	if (vcpu->nmi_pending) {
		if (busy)
			goto come_back;
		if (minikvm_nmi_allowed(vcpu)) {
			vcpu->nmi_pending--;
			vcpu->nmi_injected = true;
			irq_inject_nmi(vcpu);
		}
		if (vcpu->nmi_pending)
			minikvm_enable_window(vcpu, MINIKVM_WINDOW_NMI);
	}
	/* The LAPIC's interrupt, now that nothing else goes in (irq/posted.c). */
	if (vcpu->apic) {
		minikvm_lapic_inject(vcpu, busy);
		if (!busy && vcpu->interrupt.injected) {
			irq_inject_intr(vcpu);
			return;
		}
	}
	/* A waiting interrupt behind an injected event: come back for it. */
	if (vcpu->interrupt.injected && vcpu->event_in_flight != IRQ_IN_FLIGHT_INTR)
		goto come_back;
	return;

come_back:
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
	minikvm_request_immediate_exit(vcpu);
}

/**
 * __minikvm_inject_events() - act on the requests before an entry
 * @vcpu: loaded vCPU, IRQs off
 *
 * Called by minikvm_inject_events() only when a request is made. The
 * TPR threshold, or with virtual-interrupt delivery RVI and SVI, follow
 * the LAPIC's page as the decision left it; every host-side change to
 * IRR, ISR or TPR makes REQ_EVENT, so they are never stale at an entry.
 */
void __minikvm_inject_events(struct minikvm_vcpu *vcpu)
{
	if (minikvm_check_request(MINIKVM_REQ_NMI, vcpu))
		irq_process_nmi(vcpu);
	if (!minikvm_check_request(MINIKVM_REQ_EVENT, vcpu))
		return;
	irq_inject_events(vcpu);
	if (vcpu->apic)
		minikvm_lapic_update_apicv(vcpu);
}

/**
 * __minikvm_complete_events() - the entry succeeded: its event was delivered
 * @vcpu: the vCPU, right after a VM exit that was not an entry failure
 *
 * Unless the exit interrupted the delivery: then the vendor hands the
 * event back through minikvm_requeue_event(), just after this. Called
 * by minikvm_complete_events() only when the entry carried an event or
 * a re-injection mark.
 */
void __minikvm_complete_events(struct minikvm_vcpu *vcpu)
{
	switch (vcpu->event_in_flight) {
	case IRQ_IN_FLIGHT_EXCEPTION:
		vcpu->exception_injected = false;
		break;
	case IRQ_IN_FLIGHT_NMI:
		vcpu->nmi_injected = false;
		break;
	case IRQ_IN_FLIGHT_INTR:
		vcpu->interrupt.injected = false;
		break;
	}
	vcpu->event_in_flight = IRQ_IN_FLIGHT_NONE;
	vcpu->event_requeued = false;
}

/**
 * minikvm_requeue_event() - an exit cut an event's delivery short
 * @vcpu: the vCPU
 * @kind: the event's kind, as the CPU reported it
 * @vector: its vector
 * @has_error: it pushes an error code, @error
 * @error: the error code
 * @insn_len: length of the instruction of a soft event (INT3, INTO, INTn)
 *
 * The event becomes "injected" again, to be delivered with the next
 * entry, as KVM's __vmx_complete_interrupts() does. An NMI whose delivery
 * was interrupted left NMIs blocked: they are unblocked for the retry.
 */
void minikvm_requeue_event(struct minikvm_vcpu *vcpu, enum minikvm_event_kind kind, u8 vector,
			   bool has_error, u32 error, u8 insn_len)
{
	vcpu->event_insn_len = insn_len;
	switch (kind) {
	case MINIKVM_EVENT_EXCEPTION:
	case MINIKVM_EVENT_SOFT_EXCEPTION:
		vcpu->exception_injected = true;
		vcpu->exception_vector = vector;
		vcpu->exception_has_error = has_error;
		vcpu->exception_error = error;
		break;
	case MINIKVM_EVENT_NMI:
		vcpu->nmi_injected = true;
		minikvm_set_nmi_mask(vcpu, false);
		break;
	case MINIKVM_EVENT_INTR:
	case MINIKVM_EVENT_SOFT_INTR:
		vcpu->interrupt.injected = true;
		vcpu->interrupt.soft = kind == MINIKVM_EVENT_SOFT_INTR;
		vcpu->interrupt.nr = vector;
		break;
	default:
		return;
	}
	minikvm_note_requeue(vcpu, kind, vector);
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
}

/* An exception for the guest, raised by an exit handler. */
void minikvm_queue_exception(struct minikvm_vcpu *vcpu, u8 vector, bool has_error, u32 error)
{
	vcpu->exception_pending = true;
	vcpu->exception_vector = vector;
	vcpu->exception_has_error = has_error;
	vcpu->exception_error = error;
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
}

/* The entry failed: nothing was delivered; decide again next time. */
void minikvm_entry_failed(struct minikvm_vcpu *vcpu)
{
	minikvm_cancel_injection(vcpu);
	vcpu->event_in_flight = IRQ_IN_FLIGHT_NONE;
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
}

/*
 * kvm_run's ready_for_interrupt_injection without an irqchip (KVM's
 * kvm_vcpu_ready_for_interrupt_injection()): the guest takes interrupts
 * now and KVM_INTERRUPT has nothing waiting.
 */
bool minikvm_ready_for_interrupt(struct minikvm_vcpu *vcpu)
{
	if (!minikvm_interrupt_allowed(vcpu) || vcpu->interrupt.injected)
		return false;
	/* With the LAPIC here: LINT0 takes ExtINT and none waits (kvm_cpu_accept_dm_intr()). */
	if (vcpu->apic)
		return minikvm_lapic_ready_for_extint(vcpu) && !minikvm_lapic_extint_pending(vcpu) &&
		       !vcpu->exception_pending && !vcpu->exception_injected && !vcpu->nmi_injected;
	return true;
}

/**
 * __minikvm_irq_window_exit() - after an exit handled in the kernel
 * @vcpu: the vCPU
 *
 * Userspace asked for the interrupt window (request_interrupt_window) and
 * it is open: KVM_RUN returns KVM_EXIT_IRQ_WINDOW_OPEN, as KVM's vcpu_run()
 * does after any exit it handled itself.
 *
 * Return: true with run->exit_reason set.
 */
bool __minikvm_irq_window_exit(struct minikvm_vcpu *vcpu)
{
	if (!minikvm_ready_for_interrupt(vcpu))
		return false;
	vcpu->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
	minikvm_note_irq_window_open(vcpu);
	return true;
}

/* KVM_RUN begins: a request for the interrupt window is an event to weigh. */
void minikvm_irq_run_start(struct minikvm_vcpu *vcpu)
{
	if (READ_ONCE(vcpu->run->request_interrupt_window))
		minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
}

/* KVM_GET_VCPU_EVENTS: the queue part, as kvm_vcpu_ioctl_x86_get_vcpu_events(). */
void minikvm_get_event_queue(struct minikvm_vcpu *vcpu, struct kvm_vcpu_events *ev)
{
	if (minikvm_check_request(MINIKVM_REQ_NMI, vcpu))
		irq_process_nmi(vcpu);
	if (vcpu->exception_injected) {
		ev->exception.injected = 1;
		ev->exception.nr = vcpu->exception_vector;
		ev->exception.has_error_code = vcpu->exception_has_error;
		ev->exception.error_code = vcpu->exception_error;
	}
	if (vcpu->exception_pending) {
		ev->exception.pending = 1;
		ev->exception.nr = vcpu->exception_vector;
		ev->exception.has_error_code = vcpu->exception_has_error;
		ev->exception.error_code = vcpu->exception_error;
	}
	ev->interrupt.injected = vcpu->interrupt.injected && !vcpu->interrupt.soft;
	ev->interrupt.nr = vcpu->interrupt.nr;
	ev->interrupt.soft = 0;
	ev->interrupt.shadow = minikvm_get_interrupt_shadow(vcpu);
	ev->nmi.injected = vcpu->nmi_injected;
	ev->nmi.pending = vcpu->nmi_pending != 0;
	ev->nmi.masked = minikvm_get_nmi_mask(vcpu);
	ev->flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
		    KVM_VCPUEVENT_VALID_SMM;
}

/* KVM_SET_VCPU_EVENTS, checked by core/vcpu_state.c: replaces the queue. */
void minikvm_set_event_queue(struct minikvm_vcpu *vcpu, const struct kvm_vcpu_events *ev)
{
	if (minikvm_check_request(MINIKVM_REQ_NMI, vcpu))
		irq_process_nmi(vcpu);
	vcpu->exception_injected = ev->exception.injected;
	vcpu->exception_pending = !ev->exception.injected && ev->exception.pending;
	vcpu->exception_vector = ev->exception.nr;
	vcpu->exception_has_error = ev->exception.has_error_code;
	vcpu->exception_error = ev->exception.error_code;
	vcpu->interrupt.injected = ev->interrupt.injected;
	vcpu->interrupt.nr = ev->interrupt.nr;
	vcpu->interrupt.soft = ev->interrupt.soft;
	if (ev->flags & KVM_VCPUEVENT_VALID_SHADOW)
		minikvm_set_interrupt_shadow(vcpu, ev->interrupt.shadow);
	vcpu->nmi_injected = ev->nmi.injected;
	if (ev->flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		vcpu->nmi_pending = ev->nmi.pending;
	minikvm_set_nmi_mask(vcpu, ev->nmi.masked);
	vcpu->event_in_flight = IRQ_IN_FLIGHT_NONE;
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
}

/* A new vCPU: runnable; an AP waits for SIPI once its LAPIC is made (irq/lapic.c). */
void minikvm_irq_vcpu_reset(struct minikvm_vcpu *vcpu)
{
	vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
}
