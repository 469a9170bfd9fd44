// SPDX-License-Identifier: GPL-2.0
/*
 * The exit table: basic exit reason -> handler. This file is also the
 * table of contents of VM-exit handling: the comment on each row names
 * the file that holds the handler.
 *
 * Any reason without a handler ends KVM_RUN with KVM_EXIT_INTERNAL_ERROR
 * (KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON, the reason in data[0]),
 * as KVM does: a guest can never crash the host by making the CPU exit
 * for a reason minikvm did not expect.
 *
 * Environment: vCPU thread, preemptible, vCPU loaded.
 */
#include <linux/kernel.h>
#include <linux/nospec.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "vmx/vmx.h"
#include "core/observe.h"
#include "irq/event.h"
#include "vmx/entry_check.h"
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"

typedef int (*vmx_exit_handler_t)(struct minikvm_vcpu *vcpu);

static const vmx_exit_handler_t vmx_exit_handlers[] = {
	[EXIT_REASON_EXCEPTION_NMI]	= mvmx_handle_exception_nmi,		/* exit_event.c */
	[EXIT_REASON_EXTERNAL_INTERRUPT] = mvmx_handle_external_interrupt,	/* exit_event.c */
	[EXIT_REASON_TRIPLE_FAULT]	= mvmx_handle_triple_fault,		/* exit_event.c */
	[EXIT_REASON_INTERRUPT_WINDOW]	= mvmx_handle_interrupt_window,	/* exit_window.c */
	[EXIT_REASON_NMI_WINDOW]	= mvmx_handle_nmi_window,		/* exit_window.c */
	[EXIT_REASON_CPUID]		= mvmx_handle_cpuid,			/* exit_cpuid.c */
	[EXIT_REASON_HLT]		= mvmx_handle_hlt,			/* exit_hlt.c */
	[EXIT_REASON_INVD]		= mvmx_handle_nop_insn,		/* exit_insn.c */
	[EXIT_REASON_RDPMC]		= mvmx_handle_rdpmc,			/* exit_insn.c */
	[EXIT_REASON_VMCALL]		= mvmx_handle_vmcall,		/* exit_insn.c */
	[EXIT_REASON_VMCLEAR]		= mvmx_handle_vmx_insn,		/* exit_insn.c */
	[EXIT_REASON_VMLAUNCH]		= mvmx_handle_vmx_insn,
	[EXIT_REASON_VMPTRLD]		= mvmx_handle_vmx_insn,
	[EXIT_REASON_VMPTRST]		= mvmx_handle_vmx_insn,
	[EXIT_REASON_VMREAD]		= mvmx_handle_vmx_insn,
	[EXIT_REASON_VMRESUME]		= mvmx_handle_vmx_insn,
	[EXIT_REASON_VMWRITE]		= mvmx_handle_vmx_insn,
	[EXIT_REASON_VMOFF]		= mvmx_handle_vmx_insn,
	[EXIT_REASON_VMON]		= mvmx_handle_vmx_insn,
	[EXIT_REASON_INVEPT]		= mvmx_handle_vmx_insn,
	[EXIT_REASON_INVVPID]		= mvmx_handle_vmx_insn,
	[EXIT_REASON_VMFUNC]		= mvmx_handle_vmx_insn,
	[EXIT_REASON_CR_ACCESS]		= mvmx_handle_cr_access,		/* exit_cr.c */
	[EXIT_REASON_DR_ACCESS]		= mvmx_handle_dr_access,		/* exit_cr.c */
	[EXIT_REASON_IO_INSTRUCTION]	= mvmx_handle_io,			/* exit_io.c */
	[EXIT_REASON_MSR_READ]		= mvmx_handle_rdmsr,			/* exit_msr.c */
	[EXIT_REASON_MSR_WRITE]		= mvmx_handle_wrmsr,			/* exit_msr.c */
	[EXIT_REASON_MWAIT_INSTRUCTION]	= mvmx_handle_monitor_mwait,		/* exit_insn.c */
	[EXIT_REASON_MONITOR_INSTRUCTION] = mvmx_handle_monitor_mwait,		/* exit_insn.c */
	[EXIT_REASON_PAUSE_INSTRUCTION]	= mvmx_handle_pause,			/* exit_insn.c */
	[EXIT_REASON_EPT_VIOLATION]	= mvmx_handle_ept_violation,		/* exit_ept.c */
	[EXIT_REASON_EPT_MISCONFIG]	= mvmx_handle_ept_misconfig,		/* exit_ept.c */
	[EXIT_REASON_WBINVD]		= mvmx_handle_nop_insn,		/* exit_insn.c */
	[EXIT_REASON_XSETBV]		= mvmx_handle_xsetbv,		/* exit_xsetbv.c */
	[EXIT_REASON_TPR_BELOW_THRESHOLD] = mvmx_handle_tpr_below_threshold,	/* apicv.c */
	[EXIT_REASON_EOI_INDUCED]	= mvmx_handle_eoi_induced,		/* apicv.c */
	[EXIT_REASON_APIC_ACCESS]	= mvmx_handle_apic_access,		/* apicv.c */
	[EXIT_REASON_APIC_WRITE]	= mvmx_handle_apic_write,		/* apicv.c */
};

/* End KVM_RUN with KVM_EXIT_INTERNAL_ERROR, reason and qualification in data[]. */
int mvmx_internal_error(struct minikvm_vcpu *vcpu, u32 suberror)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 4;
	run->internal.data[0] = to_vmx(vcpu)->exit.reason;
	run->internal.data[1] = to_vmx(vcpu)->exit.qualification;
	run->internal.data[2] = vmcs_readl(GUEST_RIP);
	run->internal.data[3] = to_vmx(vcpu)->cpu;
	return EXIT_TO_USER;
}

static int handle_unexpected_exit(struct minikvm_vcpu *vcpu)
{
	pr_warn_ratelimited("minikvm: unexpected VM exit reason %#x\n", to_vmx(vcpu)->exit.reason);
	return mvmx_internal_error(vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
}

/**
 * mvmx_handle_exit() - dispatch one VM exit
 * @vcpu: the vCPU, exit info snapshot in to_vmx(vcpu)->exit
 *
 * Before the table, in this order: a failed VM entry (exit reason bit 31,
 * SDM Vol. 3C, "VM-Entry Failures During or After Loading Guest State")
 * goes to userspace as KVM_EXIT_FAIL_ENTRY with the full reason, after
 * vmx/entry_check.c has named the check that failed (and irq/event.c
 * is told that nothing was delivered); then the event the entry carried
 * is marked delivered, or queued for re-injection if the exit interrupted
 * its delivery (vmx/event_inject.c).
 *
 * Return: RESUME_GUEST, EXIT_TO_USER, or -errno.
 */
int mvmx_handle_exit(struct minikvm_vcpu *vcpu)
{
	u32 reason = to_vmx(vcpu)->exit.reason;
	u16 basic = (u16)reason;

	minikvm_note_exit(vcpu, reason, to_vmx(vcpu)->exit.qualification);
	if (unlikely(reason & VMX_EXIT_REASONS_FAILED_VMENTRY)) {
		mvmx_explain_entry_failure(vcpu, reason, to_vmx(vcpu)->exit.qualification);
		minikvm_entry_failed(vcpu);
		vcpu->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		vcpu->run->fail_entry.hardware_entry_failure_reason = reason;
		vcpu->run->fail_entry.cpu = to_vmx(vcpu)->cpu;
		return EXIT_TO_USER;
	}
	mvmx_reinject_vectoring(vcpu);

	if (basic >= ARRAY_SIZE(vmx_exit_handlers))
		return handle_unexpected_exit(vcpu);
	basic = array_index_nospec(basic, ARRAY_SIZE(vmx_exit_handlers));
	if (!vmx_exit_handlers[basic])
		return handle_unexpected_exit(vcpu);
	return vmx_exit_handlers[basic](vcpu);
}
