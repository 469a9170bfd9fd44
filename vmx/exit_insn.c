// SPDX-License-Identifier: GPL-2.0
/*
 * Instructions that exit and need little: VMCALL (KVM's answer to an
 * unknown hypercall), VMX instructions (#UD: no nested VMX), MONITOR and
 * MWAIT (NOPs, as KVM's), RDPMC (#GP: no vPMU), and INVD, WBINVD and PAUSE
 * (nothing to do but step over them).
 */
#include <linux/kernel.h>
#include <linux/kvm_para.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "vmx/vmx.h"
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"

int mvmx_handle_invalid_op(struct minikvm_vcpu *vcpu)
{
	mvmx_queue_exception(vcpu, UD_VECTOR, false, 0);
	return RESUME_GUEST;
}

int mvmx_handle_vmx_insn(struct minikvm_vcpu *vcpu)
{
	return mvmx_handle_invalid_op(vcpu);
}

/*
 * MONITOR and MWAIT do nothing (the vCPU never sleeps in MWAIT), as KVM's
 * kvm_emulate_monitor_mwait(); once KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS is
 * off they are #UD where the guest's CPUID has no MWAIT.
 */
int mvmx_handle_monitor_mwait(struct minikvm_vcpu *vcpu)
{
	if (!minikvm_has_quirk(vcpu->vm, KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS) &&
	    !minikvm_cpuid_has(vcpu, 1, CPUID_ECX, X86_FEATURE_MWAIT))
		return mvmx_handle_invalid_op(vcpu);
	mvmx_skip_instruction(vcpu);
	return RESUME_GUEST;
}

int mvmx_handle_rdpmc(struct minikvm_vcpu *vcpu)
{
	return mvmx_inject_gp(vcpu);
}

/*
 * INVD would discard the host's cached writes too; WBINVD has nothing to
 * write back for a guest without assigned devices. KVM steps over both.
 */
int mvmx_handle_nop_insn(struct minikvm_vcpu *vcpu)
{
	mvmx_skip_instruction(vcpu);
	return RESUME_GUEST;
}

/*
 * A PAUSE loop that outlasted ple_window (vmcs_config.c): the vCPU is
 * spinning, most likely for another vCPU. Let that one run first.
 */
int mvmx_handle_pause(struct minikvm_vcpu *vcpu)
{
	minikvm_vcpu_on_spin(vcpu);
	mvmx_skip_instruction(vcpu);
	return RESUME_GUEST;
}

/**
 * mvmx_handle_vmcall() - a hypercall minikvm does not implement
 * @vcpu: the vCPU
 *
 * As KVM (kvm_emulate_hypercall()): from CPL > 0 RAX = -KVM_EPERM, else
 * RAX = -KVM_ENOSYS for any number; RIP moves past the VMCALL.
 */
int mvmx_handle_vmcall(struct minikvm_vcpu *vcpu)
{
	unsigned long ret = minikvm_get_cpl(vcpu) ? -KVM_EPERM : -KVM_ENOSYS;

	if (!mvmx_is_long_mode(vcpu))
		ret &= 0xffffffff;
	to_vmx(vcpu)->regs[__VCPU_REGS_RAX] = ret;
	mvmx_skip_instruction(vcpu);
	return RESUME_GUEST;
}
