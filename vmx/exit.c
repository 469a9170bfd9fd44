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
#include "vmx/entry_check.h"
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"

typedef int (*vmx_exit_handler_t)(struct minikvm_vcpu *vcpu);

static const vmx_exit_handler_t vmx_exit_handlers[] = {
	[EXIT_REASON_EXCEPTION_NMI]	= handle_exception_nmi,		/* exit_event.c */
	[EXIT_REASON_EXTERNAL_INTERRUPT] = handle_external_interrupt,	/* exit_event.c */
	[EXIT_REASON_TRIPLE_FAULT]	= handle_triple_fault,		/* exit_event.c */
	[EXIT_REASON_CPUID]		= handle_cpuid,			/* exit_cpuid.c */
	[EXIT_REASON_HLT]		= handle_hlt,			/* exit_hlt.c */
	[EXIT_REASON_INVD]		= handle_nop_insn,		/* exit_insn.c */
	[EXIT_REASON_RDPMC]		= handle_rdpmc,			/* exit_insn.c */
	[EXIT_REASON_VMCALL]		= handle_vmcall,		/* exit_insn.c */
	[EXIT_REASON_VMCLEAR]		= handle_vmx_insn,		/* exit_insn.c */
	[EXIT_REASON_VMLAUNCH]		= handle_vmx_insn,
	[EXIT_REASON_VMPTRLD]		= handle_vmx_insn,
	[EXIT_REASON_VMPTRST]		= handle_vmx_insn,
	[EXIT_REASON_VMREAD]		= handle_vmx_insn,
	[EXIT_REASON_VMRESUME]		= handle_vmx_insn,
	[EXIT_REASON_VMWRITE]		= handle_vmx_insn,
	[EXIT_REASON_VMOFF]		= handle_vmx_insn,
	[EXIT_REASON_VMON]		= handle_vmx_insn,
	[EXIT_REASON_INVEPT]		= handle_vmx_insn,
	[EXIT_REASON_INVVPID]		= handle_vmx_insn,
	[EXIT_REASON_VMFUNC]		= handle_vmx_insn,
	[EXIT_REASON_CR_ACCESS]		= handle_cr_access,		/* exit_cr.c */
	[EXIT_REASON_DR_ACCESS]		= handle_dr_access,		/* exit_cr.c */
	[EXIT_REASON_IO_INSTRUCTION]	= handle_io,			/* exit_io.c */
	[EXIT_REASON_MSR_READ]		= handle_rdmsr,			/* exit_msr.c */
	[EXIT_REASON_MSR_WRITE]		= handle_wrmsr,			/* exit_msr.c */
	[EXIT_REASON_MWAIT_INSTRUCTION]	= handle_invalid_op,		/* exit_insn.c */
	[EXIT_REASON_MONITOR_INSTRUCTION] = handle_invalid_op,		/* exit_insn.c */
	[EXIT_REASON_PAUSE_INSTRUCTION]	= handle_pause,			/* exit_insn.c */
	[EXIT_REASON_EPT_VIOLATION]	= handle_ept_violation,		/* exit_ept.c */
	[EXIT_REASON_EPT_MISCONFIG]	= handle_ept_misconfig,		/* exit_ept.c */
	[EXIT_REASON_WBINVD]		= handle_nop_insn,		/* exit_insn.c */
	[EXIT_REASON_XSETBV]		= handle_xsetbv,		/* exit_xsetbv.c */
};

/* End KVM_RUN with KVM_EXIT_INTERNAL_ERROR, reason and qualification in data[]. */
int vmx_internal_error(struct minikvm_vcpu *vcpu, u32 suberror)
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
	return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
}

/**
 * vmx_handle_exit() - dispatch one VM exit
 * @vcpu: the vCPU, exit info snapshot in to_vmx(vcpu)->exit
 *
 * Before the table, in this order: a failed VM entry (exit reason bit 31,
 * SDM Vol. 3C, "VM-Entry Failures During or After Loading Guest State")
 * goes to userspace as KVM_EXIT_FAIL_ENTRY with the full reason, after
 * vmx/entry_check.c has named the check that failed; then an
 * event whose delivery the exit interrupted is queued for re-injection.
 *
 * Return: RESUME_GUEST, EXIT_TO_USER, or -errno.
 */
int vmx_handle_exit(struct minikvm_vcpu *vcpu)
{
	u32 reason = to_vmx(vcpu)->exit.reason;
	u16 basic = (u16)reason;

	minikvm_note_exit(vcpu, reason, to_vmx(vcpu)->exit.qualification);
	if (unlikely(reason & VMX_EXIT_REASONS_FAILED_VMENTRY)) {
		vmx_explain_entry_failure(vcpu, reason, to_vmx(vcpu)->exit.qualification);
		vcpu->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		vcpu->run->fail_entry.hardware_entry_failure_reason = reason;
		vcpu->run->fail_entry.cpu = to_vmx(vcpu)->cpu;
		return EXIT_TO_USER;
	}
	vmx_reinject_vectoring(vcpu);

	if (basic >= ARRAY_SIZE(vmx_exit_handlers))
		return handle_unexpected_exit(vcpu);
	basic = array_index_nospec(basic, ARRAY_SIZE(vmx_exit_handlers));
	if (!vmx_exit_handlers[basic])
		return handle_unexpected_exit(vcpu);
	return vmx_exit_handlers[basic](vcpu);
}
