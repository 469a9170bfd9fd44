/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hooks through which the run loop, the exit handlers and the MMU
 * report what happened: each bumps a per-vCPU counter (core/stats.h) and
 * fires a tracepoint (core/trace.h). One call per place keeps the VMX
 * and MMU code free of accounting detail.
 *
 * Environment: the vCPU thread, vCPU loaded; minikvm_note_entry() and
 * minikvm_note_inject() also run with IRQs off just before entry.
 */
#ifndef MINIKVM_CORE_OBSERVE_H
#define MINIKVM_CORE_OBSERVE_H

#include <linux/errno.h>
#include <asm/pgtable_types.h>

#include "minikvm.h"
#include "trace.h"

/* About to enter the guest: the event is written, the VMCS is final. */
static inline void minikvm_note_entry(struct minikvm_vcpu *vcpu)
{
	trace_minikvm_entry(vcpu);
}

/* A VM exit, before dispatch: vcpu->vmx.exit holds its snapshot. */
static inline void minikvm_note_exit(struct minikvm_vcpu *vcpu)
{
	u16 basic = (u16)vcpu->vmx.exit.reason;

	if (likely(basic < MINIKVM_STAT_EXIT_REASONS))
		vcpu->stat.exits[basic]++;
	else
		vcpu->stat.exits_other++;
	trace_minikvm_exit(vcpu);
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

/* An event was written to VM_ENTRY_INTR_INFO_FIELD. */
static inline void minikvm_note_inject(struct minikvm_vcpu *vcpu, u32 intr_info, bool reinjected)
{
	vcpu->stat.injections++;
	trace_minikvm_inject(vcpu, intr_info, reinjected);
}

static inline void minikvm_note_ept_violation(struct minikvm_vcpu *vcpu, u64 gpa)
{
	trace_minikvm_ept_violation(vcpu, gpa);
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

/* An access no memory slot covers; @len is 0 until the MMIO decoder exists. */
static inline void minikvm_note_mmio(struct minikvm_vcpu *vcpu, u64 gpa, unsigned int len,
				     bool write)
{
	vcpu->stat.mmio_exits++;
	trace_minikvm_mmio(vcpu, gpa, len, write);
}

#endif /* MINIKVM_CORE_OBSERVE_H */
