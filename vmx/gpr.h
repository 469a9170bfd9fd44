/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest general-purpose registers by the index exit qualifications use
 * (SDM Vol. 3C, "Exit Qualification for Control-Register Accesses": 0 =
 * RAX ... 15 = R15, the same order as __VCPU_REGS_*). RSP is in the VMCS.
 * Outside 64-bit mode only the low 32 bits are read, as the CPU would.
 */
#ifndef MINIKVM_VMX_GPR_H
#define MINIKVM_VMX_GPR_H

#include "core/minikvm.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"

static inline bool vmx_is_64bit_code(struct minikvm_vcpu *vcpu)
{
	return mvmx_is_long_mode(vcpu) && (vmcs_read32(GUEST_CS_AR_BYTES) & VMX_AR_L_MASK);
}

static inline unsigned long vmx_gpr_read(struct minikvm_vcpu *vcpu, unsigned int idx)
{
	unsigned long v = idx == __VCPU_REGS_RSP ? vmcs_readl(GUEST_RSP) : to_vmx(vcpu)->regs[idx & 15];

	return vmx_is_64bit_code(vcpu) ? v : (u32)v;
}

static inline void vmx_gpr_write(struct minikvm_vcpu *vcpu, unsigned int idx, unsigned long v)
{
	if (!vmx_is_64bit_code(vcpu))
		v = (u32)v;
	if (idx == __VCPU_REGS_RSP)
		vmcs_writel(GUEST_RSP, v);
	else
		to_vmx(vcpu)->regs[idx & 15] = v;
}

#endif /* MINIKVM_VMX_GPR_H */
