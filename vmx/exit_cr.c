// SPDX-License-Identifier: GPL-2.0
/*
 * Control- and debug-register accesses that exit.
 *
 * CR0/CR4: only writes that change a host-owned bit exit (vmx/cr.c says
 * which and why); reads are served by the read shadows without an exit.
 * CR3: no exits at all under EPT. CR8: exits unless the vCPU has a TPR
 * shadow (vmx/apicv.c, with the LAPIC in the kernel and enable_apicv);
 * with the LAPIC in the kernel it is TPR[7:4] (irq/lapic.c); without one, when
 * the guest lowers it, KVM_RUN returns KVM_EXIT_SET_TPR as KVM does, so
 * userspace can deliver a now-unmasked interrupt. DR0-7: every MOV exits (CPU_BASED_MOV_DR_EXITING) and is
 * emulated on saved values, so the guest never reads or writes the host's
 * debug registers; while the guest's DR7 arms a breakpoint, run.c loads
 * its DR0-3 before entry (mvmx_set_guest_dr7() below).
 *
 * SDM Vol. 3C, "Exit Qualification for Control-Register Accesses" and
 * "... for MOV DR".
 */
#include <linux/kernel.h>
#include <linux/kvm_host.h>
#include <asm/debugreg.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "irq/apic.h"
#include "vmx/vmx.h"
#include "vmx/exit.h"
#include "vmx/gpr.h"
#include "vmx/vmx_ops.h"

#define CR_QUAL_NUM(q)		((q) & 15)
#define CR_QUAL_TYPE(q)		(((q) >> 4) & 3)	/* 0 to CR, 1 from CR, 2 CLTS, 3 LMSW */
#define CR_QUAL_GPR(q)		(((q) >> 8) & 15)
#define CR_QUAL_LMSW_DATA(q)	(((q) >> 16) & 0xffff)
#define CR_TYPE_MOV_TO		0
#define CR_TYPE_MOV_FROM	1
#define CR_TYPE_CLTS		2
#define CR_TYPE_LMSW		3

static int cr_done(struct minikvm_vcpu *vcpu)
{
	mvmx_skip_instruction(vcpu);
	return RESUME_GUEST;
}

/*
 * What MOV to CR0/CR4 refuses beyond what KVM_SET_SREGS does (SDM Vol.
 * 3A, "CR0", "CR4", and MOV's #GP list): clearing PG in 64-bit code or
 * with CR4.PCIDE set, and setting PCIDE outside IA-32e mode or with
 * CR3[11:0] not zero.
 */
static bool mov_cr0_refused(struct minikvm_vcpu *vcpu, unsigned long cr0)
{
	if ((cr0 & X86_CR0_PG) || !(mvmx_read_cr0(vcpu) & X86_CR0_PG))
		return false;
	return minikvm_code_mode(vcpu) == 64 || (mvmx_read_cr4(vcpu) & X86_CR4_PCIDE);
}

static bool mov_cr4_refused(struct minikvm_vcpu *vcpu, unsigned long cr4)
{
	if (!(cr4 & X86_CR4_PCIDE) || (mvmx_read_cr4(vcpu) & X86_CR4_PCIDE))
		return false;
	return !mvmx_is_long_mode(vcpu) || (vmcs_readl(GUEST_CR3) & 0xfff);
}

static int cr_write(struct minikvm_vcpu *vcpu, unsigned int cr, unsigned long val)
{
	unsigned long old_cr8 = vcpu->cr8;

	switch (cr) {
	case 0:
		if (mov_cr0_refused(vcpu, val) || mvmx_set_cr0(vcpu, val))
			return mvmx_inject_gp(vcpu);
		return cr_done(vcpu);
	case 4:
		if (mov_cr4_refused(vcpu, val) || mvmx_set_cr4(vcpu, val))
			return mvmx_inject_gp(vcpu);
		return cr_done(vcpu);
	case 8:
		if (val & ~0xful)
			return mvmx_inject_gp(vcpu);
		minikvm_set_cr8(vcpu, val);
		mvmx_skip_instruction(vcpu);
		/* With the LAPIC here, TPR is the kernel's to act on. */
		if (vcpu->apic || val >= old_cr8)
			return RESUME_GUEST;
		vcpu->run->exit_reason = KVM_EXIT_SET_TPR;
		return EXIT_TO_USER;
	}
	return mvmx_internal_error(vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
}

int mvmx_handle_cr_access(struct minikvm_vcpu *vcpu)
{
	unsigned long q = to_vmx(vcpu)->exit.qualification;
	unsigned int cr = CR_QUAL_NUM(q), gpr = CR_QUAL_GPR(q);
	unsigned long cr0 = mvmx_read_cr0(vcpu);

	switch (CR_QUAL_TYPE(q)) {
	case CR_TYPE_MOV_TO:
		return cr_write(vcpu, cr, vmx_gpr_read(vcpu, gpr));
	case CR_TYPE_MOV_FROM:
		if (cr != 8)
			break;
		vmx_gpr_write(vcpu, gpr, minikvm_get_cr8(vcpu));
		return cr_done(vcpu);
	case CR_TYPE_CLTS:
		return mvmx_set_cr0(vcpu, cr0 & ~X86_CR0_TS) ? mvmx_inject_gp(vcpu) : cr_done(vcpu);
	case CR_TYPE_LMSW:
		/* LMSW loads PE, MP, EM, TS but can never clear PE. */
		cr0 = (cr0 & ~0xeul) | (CR_QUAL_LMSW_DATA(q) & 0xf);
		return mvmx_set_cr0(vcpu, cr0) ? mvmx_inject_gp(vcpu) : cr_done(vcpu);
	}
	return mvmx_internal_error(vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
}

#define DR_QUAL_NUM(q)		((q) & 7)
#define DR_QUAL_FROM(q)		((q) & BIT(4))
#define DR_QUAL_GPR(q)		(((q) >> 8) & 15)

/*
 * The guest's DR7, and whether it arms a breakpoint: then run.c loads the
 * guest's DR0-3 before entry, so its breakpoints fire at its addresses
 * (VM entry loads DR7 from the VMCS but never DR0-3).
 */
void mvmx_set_guest_dr7(struct minikvm_vcpu *vcpu, unsigned long dr7)
{
	vmcs_writel(GUEST_DR7, dr7);
	to_vmx(vcpu)->guest_dr_armed = dr7 & DR7_BP_EN_MASK;
}

/*
 * DR4/DR5 alias DR6/DR7 unless CR4.DE (then the CPU raised #UD itself).
 * With DR7.GD set, any MOV DR is a #DB fault with DR6.BD instead (SDM
 * Vol. 3B, "Debug Control Register (DR7)"); minikvm_inject_event() clears
 * GD as it injects the #DB, as the CPU does when it delivers one.
 */
int mvmx_handle_dr_access(struct minikvm_vcpu *vcpu)
{
	unsigned long q = to_vmx(vcpu)->exit.qualification;
	unsigned int dr = DR_QUAL_NUM(q), gpr = DR_QUAL_GPR(q);
	unsigned long val, dr7 = vmcs_readl(GUEST_DR7);

	if (dr7 & DR7_GD) {
		vcpu->dr6 = (vcpu->dr6 & ~DR_TRAP_BITS) | DR6_BD;
		mvmx_queue_exception(vcpu, DB_VECTOR, false, 0);
		return RESUME_GUEST;
	}
	if (dr == 4 || dr == 5)
		dr += 2;
	if (DR_QUAL_FROM(q)) {
		if (dr < 4)
			val = vcpu->dr[dr];
		else if (dr == 6)
			val = vcpu->dr6;
		else
			val = dr7;
		vmx_gpr_write(vcpu, gpr, val);
		return cr_done(vcpu);
	}
	val = vmx_gpr_read(vcpu, gpr);
	if (dr < 4) {
		vcpu->dr[dr] = val;
	} else {
		/* Bits 63:32 of DR6 and DR7 are reserved: #GP (SDM Vol. 3B, "Debug Registers"). */
		if (val >> 32)
			return mvmx_inject_gp(vcpu);
		if (dr == 6)
			vcpu->dr6 = (val & DR6_VOLATILE) | DR6_FIXED_1;
		else
			mvmx_set_guest_dr7(vcpu, (val & DR7_VOLATILE) | DR7_FIXED_1);
	}
	return cr_done(vcpu);
}
