/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Naming the check a failed VM entry broke (vmx/entry_check.c).
 */
#ifndef MINIKVM_VMX_ENTRY_CHECK_H
#define MINIKVM_VMX_ENTRY_CHECK_H

#include <linux/types.h>

struct minikvm_vcpu;

void mvmx_explain_entry_failure(struct minikvm_vcpu *vcpu, u32 reason,
			       unsigned long qualification);

#endif /* MINIKVM_VMX_ENTRY_CHECK_H */
