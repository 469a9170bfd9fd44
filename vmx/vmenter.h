/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Contract between vmenter.S and C. The register layout is the kernel's
 * <asm/kvm_vcpu_regs.h>; the one VMCS encoding the stub needs is pinned
 * against <asm/vmx.h> by a static_assert in vmx/run.c.
 */
#ifndef MINIKVM_VMENTER_H
#define MINIKVM_VMENTER_H

#define VMENTER_HOST_RSP_FIELD	0x00006c14	/* HOST_RSP */

#ifndef __ASSEMBLY__
#include <linux/linkage.h>

/* Returns 0 after a VM exit, 1 after VMfail (see vmenter.S). */
int mvmx_vcpu_enter(unsigned long *regs, unsigned int launched);

/* Calls a host IDT entry as if its event had arrived here (see vmenter.S). */
void mvmx_do_interrupt_irqoff(unsigned long entry);

/* HOST_RIP: the exit that zeroes the guest's GPRs, and the one that does not. */
extern const char mvmx_vmexit[];
extern const char mvmx_vmexit_mitigations_off[];
#endif

#endif /* MINIKVM_VMENTER_H */
