/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vCPU side of interrupts without an in-kernel irqchip: which event
 * goes into the guest next, and when (irq/event.c); the userspace ABI
 * for it (irq/ioctl.c). Documentation/interrupts.rst tells the story.
 */
#ifndef MINIKVM_IRQ_EVENT_H
#define MINIKVM_IRQ_EVENT_H

#include <linux/kvm.h>
#include <linux/types.h>

#include "core/minikvm.h"
#include "core/request.h"

void __minikvm_inject_events(struct minikvm_vcpu *vcpu);

/*
 * Before each entry, IRQs off: with no request made, one test of the
 * request mask is all an exit path pays.
 */
static inline void minikvm_inject_events(struct minikvm_vcpu *vcpu)
{
	if (unlikely(minikvm_request_pending(vcpu)))
		__minikvm_inject_events(vcpu);
}

void __minikvm_complete_events(struct minikvm_vcpu *vcpu);

/*
 * After each exit: an entry that injected nothing (the common case)
 * left nothing to complete, and the exit path pays one test for it.
 */
static inline void minikvm_complete_events(struct minikvm_vcpu *vcpu)
{
	if (unlikely(vcpu->event_in_flight | vcpu->event_requeued))
		__minikvm_complete_events(vcpu);
}
void minikvm_requeue_event(struct minikvm_vcpu *vcpu, enum minikvm_event_kind kind, u8 vector,
			   bool has_error, u32 error, u8 insn_len);
void minikvm_queue_exception(struct minikvm_vcpu *vcpu, u8 vector, bool has_error, u32 error);
void minikvm_entry_failed(struct minikvm_vcpu *vcpu);
bool minikvm_ready_for_interrupt(struct minikvm_vcpu *vcpu);
bool __minikvm_irq_window_exit(struct minikvm_vcpu *vcpu);

/* After an exit handled in the kernel: one test unless the window is asked for. */
static inline bool minikvm_irq_window_exit(struct minikvm_vcpu *vcpu)
{
	if (likely(!READ_ONCE(vcpu->run->request_interrupt_window)))
		return false;
	return __minikvm_irq_window_exit(vcpu);
}
void minikvm_irq_run_start(struct minikvm_vcpu *vcpu);
void minikvm_get_event_queue(struct minikvm_vcpu *vcpu, struct kvm_vcpu_events *ev);
void minikvm_set_event_queue(struct minikvm_vcpu *vcpu, const struct kvm_vcpu_events *ev);
void minikvm_irq_vcpu_reset(struct minikvm_vcpu *vcpu);

/* irq/ioctl.c: -ENOIOCTLCMD for an ioctl that is not one of its own. */
long minikvm_irq_ioctl(struct minikvm_vcpu *vcpu, unsigned int ioctl, void __user *argp);

#endif /* MINIKVM_IRQ_EVENT_H */
