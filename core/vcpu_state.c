// SPDX-License-Identifier: GPL-2.0
/*
 * The register ioctls of a vCPU: KVM_GET/SET_REGS, KVM_GET/SET_SREGS,
 * KVM_GET/SET_FPU, KVM_GET/SET_VCPU_EVENTS, in the layouts of
 * <asm/kvm.h>. What is vendor-neutral is here: copies from and to
 * userspace, KVM's validity checks, the FPU image and the registers
 * through core/vendor.h; the rest of the special registers are the
 * vendor's (vmx/vcpu_state.c), the event queue irq/event.c's.
 *
 * Environment: vCPU loaded, vcpu->mutex held.
 */
#include <linux/kernel.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/irq_vectors.h>

#include "core/minikvm.h"
#include "core/request.h"
#include "irq/event.h"

/* struct kvm_regs in the __VCPU_REGS_* order of the accessors. */
static const size_t vcpu_regs_off[__VCPU_REGS_R15 + 1] = {
	[__VCPU_REGS_RAX] = offsetof(struct kvm_regs, rax),
	[__VCPU_REGS_RCX] = offsetof(struct kvm_regs, rcx),
	[__VCPU_REGS_RDX] = offsetof(struct kvm_regs, rdx),
	[__VCPU_REGS_RBX] = offsetof(struct kvm_regs, rbx),
	[__VCPU_REGS_RSP] = offsetof(struct kvm_regs, rsp),
	[__VCPU_REGS_RBP] = offsetof(struct kvm_regs, rbp),
	[__VCPU_REGS_RSI] = offsetof(struct kvm_regs, rsi),
	[__VCPU_REGS_RDI] = offsetof(struct kvm_regs, rdi),
	[__VCPU_REGS_R8] = offsetof(struct kvm_regs, r8),
	[__VCPU_REGS_R9] = offsetof(struct kvm_regs, r9),
	[__VCPU_REGS_R10] = offsetof(struct kvm_regs, r10),
	[__VCPU_REGS_R11] = offsetof(struct kvm_regs, r11),
	[__VCPU_REGS_R12] = offsetof(struct kvm_regs, r12),
	[__VCPU_REGS_R13] = offsetof(struct kvm_regs, r13),
	[__VCPU_REGS_R14] = offsetof(struct kvm_regs, r14),
	[__VCPU_REGS_R15] = offsetof(struct kvm_regs, r15),
};

void minikvm_get_regs(struct minikvm_vcpu *vcpu, struct kvm_regs *regs)
{
	unsigned int i;

	memset(regs, 0, sizeof(*regs));
	for (i = 0; i < ARRAY_SIZE(vcpu_regs_off); i++)
		*(u64 *)((void *)regs + vcpu_regs_off[i]) = minikvm_register_read(vcpu, i);
	regs->rip = minikvm_rip_read(vcpu);
	regs->rflags = minikvm_get_rflags(vcpu);
}

void minikvm_set_regs(struct minikvm_vcpu *vcpu, const struct kvm_regs *regs)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vcpu_regs_off); i++)
		minikvm_register_write(vcpu, i, *(const u64 *)((const void *)regs + vcpu_regs_off[i]));
	minikvm_rip_write(vcpu, regs->rip);
	/* Bit 1 of RFLAGS always reads 1; KVM forces it too. */
	minikvm_set_rflags(vcpu, regs->rflags | X86_EFLAGS_FIXED);
	/* New registers cancel a queued exception, as in KVM. */
	vcpu->exception_pending = false;
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
}

static long vcpu_get_regs(struct minikvm_vcpu *vcpu, struct kvm_regs __user *u)
{
	struct kvm_regs regs;

	minikvm_get_regs(vcpu, &regs);
	return copy_to_user(u, &regs, sizeof(regs)) ? -EFAULT : 0;
}

static long vcpu_set_regs(struct minikvm_vcpu *vcpu, struct kvm_regs __user *u)
{
	struct kvm_regs regs;

	if (copy_from_user(&regs, u, sizeof(regs)))
		return -EFAULT;
	minikvm_set_regs(vcpu, &regs);
	return 0;
}

void minikvm_get_sregs(struct minikvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	memset(sregs, 0, sizeof(*sregs));
	mvmx_get_sregs(vcpu, sregs);
}

static long vcpu_get_sregs(struct minikvm_vcpu *vcpu, struct kvm_sregs __user *u)
{
	struct kvm_sregs sregs;

	minikvm_get_sregs(vcpu, &sregs);
	return copy_to_user(u, &sregs, sizeof(sregs)) ? -EFAULT : 0;
}

/* KVM's kvm_is_valid_sregs(): long mode needs PAE and LMA, and only there CS.L. */
static bool vcpu_sregs_valid(const struct kvm_sregs *s)
{
	if ((s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG)) {
		if (!(s->cr4 & X86_CR4_PAE) || !(s->efer & EFER_LMA))
			return false;
		if (s->cr3 >> boot_cpu_data.x86_phys_bits)
			return false;
	} else if ((s->efer & EFER_LMA) || s->cs.l) {
		return false;
	}
	return s->cr8 <= 15;
}

/* Return: 0, or -EINVAL with nothing changed. */
int minikvm_set_sregs(struct minikvm_vcpu *vcpu, const struct kvm_sregs *s)
{
	if (!vcpu_sregs_valid(s))
		return -EINVAL;
	return mvmx_set_sregs(vcpu, s);
}

static long vcpu_set_sregs(struct minikvm_vcpu *vcpu, struct kvm_sregs __user *u)
{
	struct kvm_sregs s;

	if (copy_from_user(&s, u, sizeof(s)))
		return -EFAULT;
	return minikvm_set_sregs(vcpu, &s);
}

static long vcpu_get_fpu(struct minikvm_vcpu *vcpu, struct kvm_fpu __user *u)
{
	struct fxregs_state *fx = &vcpu->guest_fpu.fpstate->regs.fxsave;
	struct kvm_fpu fpu = {};

	memcpy(fpu.fpr, fx->st_space, sizeof(fpu.fpr));
	fpu.fcw = fx->cwd;
	fpu.fsw = fx->swd;
	fpu.ftwx = fx->twd;
	fpu.last_opcode = fx->fop;
	fpu.last_ip = fx->rip;
	fpu.last_dp = fx->rdp;
	memcpy(fpu.xmm, fx->xmm_space, sizeof(fpu.xmm));
	fpu.mxcsr = fx->mxcsr;
	return copy_to_user(u, &fpu, sizeof(fpu)) ? -EFAULT : 0;
}

static long vcpu_set_fpu(struct minikvm_vcpu *vcpu, struct kvm_fpu __user *u)
{
	struct fxregs_state *fx = &vcpu->guest_fpu.fpstate->regs.fxsave;
	struct kvm_fpu fpu;

	if (copy_from_user(&fpu, u, sizeof(fpu)))
		return -EFAULT;
	memcpy(fx->st_space, fpu.fpr, sizeof(fpu.fpr));
	fx->cwd = fpu.fcw;
	fx->swd = fpu.fsw;
	fx->twd = fpu.ftwx;
	fx->fop = fpu.last_opcode;
	fx->rip = fpu.last_ip;
	fx->rdp = fpu.last_dp;
	memcpy(fx->xmm_space, fpu.xmm, sizeof(fpu.xmm));
	/* Reserved MXCSR bits would make restoring the guest state fault. */
	fx->mxcsr = fpu.mxcsr & 0xffff;
	/* With XSAVE, XRSTOR loads x87/SSE from memory only if XSTATE_BV says so. */
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		vcpu->guest_fpu.fpstate->regs.xsave.header.xfeatures |= XFEATURE_MASK_FPSSE;
	return 0;
}

void minikvm_get_events(struct minikvm_vcpu *vcpu, struct kvm_vcpu_events *ev)
{
	memset(ev, 0, sizeof(*ev));
	minikvm_get_event_queue(vcpu, ev);
}

static long vcpu_get_events(struct minikvm_vcpu *vcpu, struct kvm_vcpu_events __user *u)
{
	struct kvm_vcpu_events ev;

	minikvm_get_events(vcpu, &ev);
	return copy_to_user(u, &ev, sizeof(ev)) ? -EFAULT : 0;
}

#define VCPU_EVENTS_KNOWN (KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR | \
			   KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM)

/* Return: 0, or -EINVAL with nothing changed. */
int minikvm_set_events(struct minikvm_vcpu *vcpu, const struct kvm_vcpu_events *ev)
{
	/* KVM refuses unknown flags and payloads it was not asked to report. */
	if (ev->flags & ~VCPU_EVENTS_KNOWN)
		return -EINVAL;
	if ((ev->exception.injected || ev->exception.pending) &&
	    (ev->exception.nr > 31 || ev->exception.nr == NMI_VECTOR))
		return -EINVAL;
	/* minikvm has no SMM: entering it is refused. */
	if ((ev->flags & KVM_VCPUEVENT_VALID_SMM) && ev->smi.smm)
		return -EINVAL;

	minikvm_set_event_queue(vcpu, ev);
	return 0;
}

static long vcpu_set_events(struct minikvm_vcpu *vcpu, struct kvm_vcpu_events __user *u)
{
	struct kvm_vcpu_events ev;

	if (copy_from_user(&ev, u, sizeof(ev)))
		return -EFAULT;
	return minikvm_set_events(vcpu, &ev);
}

static long vcpu_get_debugregs(struct minikvm_vcpu *vcpu, struct kvm_debugregs __user *u)
{
	struct kvm_debugregs d = { };

	memcpy(d.db, vcpu->dr, sizeof(d.db));
	d.dr6 = vcpu->dr6;
	d.dr7 = minikvm_get_dr7(vcpu);
	return copy_to_user(u, &d, sizeof(d)) ? -EFAULT : 0;
}

/* As KVM: no flags, and DR6/DR7 have no bits above 31 (#GP on the CPU). */
static long vcpu_set_debugregs(struct minikvm_vcpu *vcpu, struct kvm_debugregs __user *u)
{
	struct kvm_debugregs d;

	if (copy_from_user(&d, u, sizeof(d)))
		return -EFAULT;
	if (d.flags || d.dr6 >> 32 || d.dr7 >> 32)
		return -EINVAL;
	memcpy(vcpu->dr, d.db, sizeof(vcpu->dr));
	vcpu->dr6 = d.dr6;
	minikvm_set_dr7(vcpu, d.dr7);
	return 0;
}

/**
 * minikvm_vcpu_state_ioctl() - the register ioctls
 * @vcpu: the loaded vCPU
 * @ioctl: the ioctl number
 * @argp: its userspace argument
 *
 * Return: the ioctl's result; -EINVAL for an ioctl that is not one of
 * them (kvm_arch_vcpu_ioctl()'s answer to an unknown vCPU ioctl).
 */
long minikvm_vcpu_state_ioctl(struct minikvm_vcpu *vcpu, unsigned int ioctl, void __user *argp)
{
	switch (ioctl) {
	case KVM_GET_REGS:
		return vcpu_get_regs(vcpu, argp);
	case KVM_SET_REGS:
		return vcpu_set_regs(vcpu, argp);
	case KVM_GET_SREGS:
		return vcpu_get_sregs(vcpu, argp);
	case KVM_SET_SREGS:
		return vcpu_set_sregs(vcpu, argp);
	case KVM_GET_FPU:
		return vcpu_get_fpu(vcpu, argp);
	case KVM_SET_FPU:
		return vcpu_set_fpu(vcpu, argp);
	case KVM_GET_DEBUGREGS:
		return vcpu_get_debugregs(vcpu, argp);
	case KVM_SET_DEBUGREGS:
		return vcpu_set_debugregs(vcpu, argp);
	case KVM_GET_VCPU_EVENTS:
		return vcpu_get_events(vcpu, argp);
	case KVM_SET_VCPU_EVENTS:
		return vcpu_set_events(vcpu, argp);
	}
	return -EINVAL;
}
