// SPDX-License-Identifier: GPL-2.0
/*
 * APIC virtualization for a vCPU whose LAPIC is in the kernel (SDM Vol.
 * 3C, "APIC Virtualization and Virtual Interrupts"), the VT-x half; the
 * policy stays in irq/, which reaches this file through core/vendor.h.
 * What the CPU offers and the module parameter allow was decided at load
 * (vmx/vmcs_config.c, mvmx_config.apicv); a vCPU without an in-kernel
 * LAPIC keeps plain exits.
 *
 *  - TPR shadow: the virtual-APIC page is the LAPIC's own register page
 *    (apic->regs, KVM's layout, the SDM's offsets), so MOV to CR8 writes
 *    its TPR (offset 80h) and MOV from CR8 reads it, without an exit. The
 *    one exit left is the TPR-below-threshold exit: irq/ keeps the
 *    threshold at the priority class of the highest interrupt that TPR
 *    holds back (minikvm_set_tpr_threshold()), so a guest that lowers
 *    its TPR under it exits, trap-like, and the interrupt goes in.
 *
 * Environment: the vCPU thread, vCPU loaded (creation loads it here).
 */
#include <linux/kernel.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "core/request.h"
#include "vmx/exit.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"
#include "uapi/minikvm.h"

/**
 * mvmx_vcpu_apic_create() - a vCPU got its in-kernel LAPIC
 * @vcpu: the new vCPU, not yet visible to userspace
 * @regs: the LAPIC's register page, 4 KiB aligned
 *
 * The VM's decision (vm->apicv) is made here, at its first LAPIC: what
 * mvmx_config.apicv allows. Every vCPU of the VM then uses the same.
 */
void mvmx_vcpu_apic_create(struct minikvm_vcpu *vcpu, void *regs)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	const struct mvmx_apicv *a = &mvmx_config.apicv;

	WRITE_ONCE(vcpu->vm->apicv, a->mode);
	vmx->apicv = a->mode;
	if (!(a->mode & MINIKVM_APICV_TPR_SHADOW))
		return;
	preempt_disable();
	mvmx_vcpu_load(vcpu);
	vmx->ctls.proc = (vmx->ctls.proc | a->proc_set) & ~a->proc_clear;
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, vmx->ctls.proc);
	vmcs_write64(VIRTUAL_APIC_PAGE_ADDR, __pa(regs));
	/* 0: no exit until irq/ names a class (SDM: bits 31:4 stay 0). */
	vmx->tpr_threshold = 0;
	vmcs_write32(TPR_THRESHOLD, 0);
	mvmx_vcpu_put(vcpu);
	preempt_enable();
}

/**
 * minikvm_set_tpr_threshold() - exit when the guest's TPR drops below @class
 * @vcpu: loaded vCPU, IRQs off, before entry
 * @class: a priority class, 0-15; 0 for no exit
 *
 * With a TPR shadow and no virtual-interrupt delivery, VM entry requires
 * the threshold not to exceed VTPR[7:4] (SDM Vol. 3C, "Checks on
 * VM-Execution Control Fields"): irq/ names a class only up to the TPR's
 * and recomputes it whenever the host changes TPR (every such change
 * makes REQ_EVENT). Without a TPR shadow, CR8 and TPR writes exit anyway
 * and there is nothing to do.
 */
void minikvm_set_tpr_threshold(struct minikvm_vcpu *vcpu, u8 class)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (!(vmx->apicv & MINIKVM_APICV_TPR_SHADOW) || vmx->tpr_threshold == class)
		return;
	vmx->tpr_threshold = class;
	vmcs_write32(TPR_THRESHOLD, class);
}

/*
 * The guest lowered its TPR (MOV to CR8) below the threshold: an
 * interrupt it held back may now go in. Trap-like: RIP is already past
 * the instruction (SDM Vol. 3C, "TPR-Below-Threshold VM Exits").
 */
int mvmx_handle_tpr_below_threshold(struct minikvm_vcpu *vcpu)
{
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
	return RESUME_GUEST;
}
