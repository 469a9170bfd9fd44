/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit handlers. Every handle_<reason>() returns RESUME_GUEST, or
 * EXIT_TO_USER with vcpu->run->exit_reason set, or a negative errno that
 * KVM_RUN returns. Each lives in the file its topic names (vmx/exit.c
 * lists them all).
 */
#ifndef MINIKVM_VMX_EXIT_H
#define MINIKVM_VMX_EXIT_H

struct minikvm_vcpu;

int mvmx_handle_exit(struct minikvm_vcpu *vcpu);
void mvmx_reinject_vectoring(struct minikvm_vcpu *vcpu);
int mvmx_internal_error(struct minikvm_vcpu *vcpu, u32 suberror);

int mvmx_handle_exception_nmi(struct minikvm_vcpu *vcpu);	/* exit_event.c */
int mvmx_handle_external_interrupt(struct minikvm_vcpu *vcpu);
int mvmx_handle_triple_fault(struct minikvm_vcpu *vcpu);
int mvmx_handle_cpuid(struct minikvm_vcpu *vcpu);		/* exit_cpuid.c */
int mvmx_handle_hlt(struct minikvm_vcpu *vcpu);		/* exit_hlt.c */
int mvmx_handle_io(struct minikvm_vcpu *vcpu);		/* exit_io.c */
int mvmx_handle_rdmsr(struct minikvm_vcpu *vcpu);		/* exit_msr.c */
int mvmx_handle_wrmsr(struct minikvm_vcpu *vcpu);
int mvmx_handle_cr_access(struct minikvm_vcpu *vcpu);	/* exit_cr.c */
int mvmx_handle_dr_access(struct minikvm_vcpu *vcpu);
int mvmx_handle_xsetbv(struct minikvm_vcpu *vcpu);		/* exit_xsetbv.c */
int mvmx_handle_vmcall(struct minikvm_vcpu *vcpu);		/* exit_insn.c */
int mvmx_handle_vmx_insn(struct minikvm_vcpu *vcpu);
int mvmx_handle_invalid_op(struct minikvm_vcpu *vcpu);
int mvmx_handle_rdpmc(struct minikvm_vcpu *vcpu);
int mvmx_handle_monitor_mwait(struct minikvm_vcpu *vcpu);
int mvmx_handle_nop_insn(struct minikvm_vcpu *vcpu);
int mvmx_handle_pause(struct minikvm_vcpu *vcpu);
int mvmx_handle_ept_violation(struct minikvm_vcpu *vcpu);	/* exit_ept.c */
int mvmx_handle_ept_misconfig(struct minikvm_vcpu *vcpu);
int mvmx_handle_interrupt_window(struct minikvm_vcpu *vcpu);	/* exit_window.c */
int mvmx_handle_nmi_window(struct minikvm_vcpu *vcpu);
int mvmx_handle_tpr_below_threshold(struct minikvm_vcpu *vcpu);	/* apicv.c */
int mvmx_handle_eoi_induced(struct minikvm_vcpu *vcpu);
int mvmx_handle_apic_access(struct minikvm_vcpu *vcpu);
int mvmx_handle_apic_write(struct minikvm_vcpu *vcpu);

#endif /* MINIKVM_VMX_EXIT_H */
