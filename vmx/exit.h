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

int vmx_handle_exit(struct minikvm_vcpu *vcpu);
void vmx_reinject_vectoring(struct minikvm_vcpu *vcpu);
int vmx_internal_error(struct minikvm_vcpu *vcpu, u32 suberror);

int handle_exception_nmi(struct minikvm_vcpu *vcpu);	/* exit_event.c */
int handle_external_interrupt(struct minikvm_vcpu *vcpu);
int handle_triple_fault(struct minikvm_vcpu *vcpu);
int handle_cpuid(struct minikvm_vcpu *vcpu);		/* exit_cpuid.c */
int handle_hlt(struct minikvm_vcpu *vcpu);		/* exit_hlt.c */
int handle_io(struct minikvm_vcpu *vcpu);		/* exit_io.c */
int handle_rdmsr(struct minikvm_vcpu *vcpu);		/* exit_msr.c */
int handle_wrmsr(struct minikvm_vcpu *vcpu);
int handle_cr_access(struct minikvm_vcpu *vcpu);	/* exit_cr.c */
int handle_dr_access(struct minikvm_vcpu *vcpu);
int handle_xsetbv(struct minikvm_vcpu *vcpu);		/* exit_xsetbv.c */
int handle_vmcall(struct minikvm_vcpu *vcpu);		/* exit_insn.c */
int handle_vmx_insn(struct minikvm_vcpu *vcpu);
int handle_invalid_op(struct minikvm_vcpu *vcpu);
int handle_rdpmc(struct minikvm_vcpu *vcpu);
int handle_nop_insn(struct minikvm_vcpu *vcpu);
int handle_pause(struct minikvm_vcpu *vcpu);
int handle_ept_violation(struct minikvm_vcpu *vcpu);	/* exit_ept.c */
int handle_ept_misconfig(struct minikvm_vcpu *vcpu);

#endif /* MINIKVM_VMX_EXIT_H */
