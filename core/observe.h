/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hooks through which the run loop, the exit handlers and the MMU
 * report what happened: each bumps a per-vCPU counter (core/stats.h) and
 * fires a tracepoint (core/trace.h). One call per place keeps the VMX
 * and MMU code free of accounting detail. Guest state a tracepoint shows
 * is read through core/vendor.h, and only while the event is enabled.
 *
 * Environment: the vCPU thread, vCPU loaded; minikvm_note_entry() and
 * minikvm_note_inject() also run with IRQs off just before entry.
 */
#ifndef MINIKVM_CORE_OBSERVE_H
#define MINIKVM_CORE_OBSERVE_H

#include <linux/errno.h>
#include <asm/pgtable_types.h>

#include "core/minikvm.h"
#include "core/trace.h"

/* About to enter the guest: the event is written, guest state is final. */
static inline void minikvm_note_entry(struct minikvm_vcpu *vcpu)
{
	if (trace_minikvm_entry_enabled())
		trace_minikvm_entry(vcpu, minikvm_rip_read(vcpu));
}

/* A VM exit, before dispatch: @reason and @qualification as the CPU gave them. */
static inline void minikvm_note_exit(struct minikvm_vcpu *vcpu, u32 reason,
				     unsigned long qualification)
{
	u16 basic = (u16)reason;

	if (likely(basic < MINIKVM_STAT_EXIT_REASONS))
		vcpu->stat.exits[basic]++;
	else
		vcpu->stat.exits_other++;
	if (trace_minikvm_exit_enabled())
		trace_minikvm_exit(vcpu, reason, qualification, minikvm_rip_read(vcpu));
}

/*
 * KVM_RUN is returning. An exit to userspace is a return with
 * run->exit_reason set: 0, or -EINTR for a signal (KVM_EXIT_INTR);
 * immediate_exit's -EINTR leaves exit_reason stale and does not count.
 */
static inline void minikvm_note_run_return(struct minikvm_vcpu *vcpu, int ret)
{
	if (ret && (ret != -EINTR || vcpu->run->immediate_exit))
		return;
	vcpu->stat.exits_to_user++;
	trace_minikvm_userspace_exit(vcpu, ret);
}

/*
 * An event was written to the VM-entry fields (@intr_info in the VT-x
 * encoding); @reinjected: an exit had cut its delivery short.
 */
static inline void minikvm_note_inject(struct minikvm_vcpu *vcpu, u32 intr_info, bool reinjected)
{
	vcpu->stat.injections++;
	trace_minikvm_inject(vcpu, intr_info, reinjected);
}

/* Of those, an external interrupt or an NMI (irq/event.c). */
static inline void minikvm_note_irq_injected(struct minikvm_vcpu *vcpu)
{
	vcpu->stat.irq_injections++;
}

static inline void minikvm_note_nmi_injected(struct minikvm_vcpu *vcpu)
{
	vcpu->stat.nmi_injections++;
}

/* An exit cut the delivery of an event of @kind short: it goes in again. */
static inline void minikvm_note_requeue(struct minikvm_vcpu *vcpu, enum minikvm_event_kind kind,
					u8 vector)
{
	vcpu->event_requeued = true;
	trace_minikvm_requeue(vcpu, kind, vector);
}

/* A window exit was armed (@opened false) or came (@opened true). */
static inline void minikvm_note_window(struct minikvm_vcpu *vcpu, enum minikvm_window window,
				       bool opened)
{
	if (opened) {
		if (window == MINIKVM_WINDOW_IRQ)
			vcpu->stat.irq_window_exits++;
		else
			vcpu->stat.nmi_window_exits++;
	}
	trace_minikvm_window(vcpu, window, opened);
}

/* KVM_RUN returns KVM_EXIT_IRQ_WINDOW_OPEN. */
static inline void minikvm_note_irq_window_open(struct minikvm_vcpu *vcpu)
{
	vcpu->stat.request_irq_exits++;
}

/* An EPT violation at @gpa; @qualification says which access (bits 2:0). */
static inline void minikvm_note_ept_violation(struct minikvm_vcpu *vcpu, u64 gpa,
					      unsigned long qualification)
{
	trace_minikvm_ept_violation(vcpu, gpa, qualification);
}

/* The EPT violation ended in a mapping (@ret == 0) of a page of @level. */
static inline void minikvm_note_ept_map(struct minikvm_vcpu *vcpu, int ret, int level)
{
	if (ret)
		return;
	vcpu->stat.ept_faults++;
	if (level == PG_LEVEL_2M)
		vcpu->stat.pages_2m++;
	else
		vcpu->stat.pages_4k++;
}

/* An MMIO access userspace will see: @len bytes of a decoded load or store. */
static inline void minikvm_note_mmio(struct minikvm_vcpu *vcpu, u64 gpa, unsigned int len,
				     bool write)
{
	vcpu->stat.mmio_exits++;
	trace_minikvm_mmio(vcpu, gpa, len, write);
}

#endif /* MINIKVM_CORE_OBSERVE_H */
