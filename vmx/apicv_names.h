/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of the MINIKVM_APICV_* bits, shared by the module's load message
 * (vmx/vmcs_config.c), mkvm --info and the selftests, so all say the same
 * thing. Only needs uapi/minikvm.h; the includer defines nothing.
 */
#ifndef MINIKVM_VMX_APICV_NAMES_H
#define MINIKVM_VMX_APICV_NAMES_H

static const struct {
	unsigned int bit;
	const char *name;
} apicv_mode_names[] = {
	{ MINIKVM_APICV_TPR_SHADOW, "tpr_shadow" },
	{ MINIKVM_APICV_VID, "vid" },
	{ MINIKVM_APICV_X2APIC, "x2apic" },
	{ MINIKVM_APICV_REG_VIRT, "reg_virt" },
	{ MINIKVM_APICV_POSTED, "posted_intr" },
	{ MINIKVM_APICV_APIC_ACCESS, "apic_access" },
};

#endif /* MINIKVM_VMX_APICV_NAMES_H */
