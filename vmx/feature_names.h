/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of the MINIKVM_VMX_* feature bits, shared by the module's load
 * message (vmx/capability.c) and mkvm --info, so both say the same thing.
 * Only needs uapi/minikvm.h; the includer defines nothing.
 */
#ifndef MINIKVM_VMX_FEATURE_NAMES_H
#define MINIKVM_VMX_FEATURE_NAMES_H

static const struct {
	unsigned int bit;
	const char *name;
} vmx_feature_names[] = {
	{ MINIKVM_VMX_TRUE_CTLS, "true_ctls" },
	{ MINIKVM_VMX_EPT, "ept" },
	{ MINIKVM_VMX_VPID, "vpid" },
	{ MINIKVM_VMX_UNRESTRICTED_GUEST, "unrestricted_guest" },
	{ MINIKVM_VMX_EPT_2MB, "ept_2mb" },
	{ MINIKVM_VMX_EPT_1GB, "ept_1gb" },
	{ MINIKVM_VMX_EPT_AD, "ept_ad" },
	{ MINIKVM_VMX_EPT_EXEC_ONLY, "ept_x_only" },
	{ MINIKVM_VMX_INVEPT, "invept" },
	{ MINIKVM_VMX_INVVPID, "invvpid" },
	{ MINIKVM_VMX_TPR_SHADOW, "tpr_shadow" },
	{ MINIKVM_VMX_APIC_REG_VIRT, "apic_reg_virt" },
	{ MINIKVM_VMX_VIRT_INTR_DELIVERY, "vid" },
	{ MINIKVM_VMX_POSTED_INTR, "posted_intr" },
	{ MINIKVM_VMX_PML, "pml" },
	{ MINIKVM_VMX_PREEMPTION_TIMER, "preemption_timer" },
	{ MINIKVM_VMX_MSR_BITMAP, "msr_bitmap" },
	{ MINIKVM_VMX_WB_VMCS, "wb_vmcs" },
	{ MINIKVM_VMX_PAUSE_LOOP, "pause_loop" },
};

#endif /* MINIKVM_VMX_FEATURE_NAMES_H */
