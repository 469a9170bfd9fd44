// SPDX-License-Identifier: GPL-2.0
/*
 * The register ioctls of a vCPU: KVM_GET/SET_REGS, KVM_GET/SET_SREGS,
 * KVM_GET/SET_FPU, KVM_GET/SET_VCPU_EVENTS, in the layouts of
 * <asm/kvm.h>, translated to and from VMCS guest-state fields.
 *
 * Environment: vCPU loaded, vcpu->mutex held.
 */
#include <linux/kernel.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/irq_vectors.h>
#include <asm/vmx.h>

#include "minikvm.h"
#include "../vmx/vmx_ops.h"

static long vcpu_get_regs(struct minikvm_vcpu *vcpu, struct kvm_regs __user *u)
{
	unsigned long *r = vcpu->vmx.regs;
	struct kvm_regs regs = {
		.rax = r[__VCPU_REGS_RAX], .rbx = r[__VCPU_REGS_RBX],
		.rcx = r[__VCPU_REGS_RCX], .rdx = r[__VCPU_REGS_RDX],
		.rsi = r[__VCPU_REGS_RSI], .rdi = r[__VCPU_REGS_RDI],
		.rsp = vmcs_readl(GUEST_RSP), .rbp = r[__VCPU_REGS_RBP],
		.r8 = r[__VCPU_REGS_R8], .r9 = r[__VCPU_REGS_R9],
		.r10 = r[__VCPU_REGS_R10], .r11 = r[__VCPU_REGS_R11],
		.r12 = r[__VCPU_REGS_R12], .r13 = r[__VCPU_REGS_R13],
		.r14 = r[__VCPU_REGS_R14], .r15 = r[__VCPU_REGS_R15],
		.rip = vmcs_readl(GUEST_RIP), .rflags = vmcs_readl(GUEST_RFLAGS),
	};

	return copy_to_user(u, &regs, sizeof(regs)) ? -EFAULT : 0;
}

static long vcpu_set_regs(struct minikvm_vcpu *vcpu, struct kvm_regs __user *u)
{
	unsigned long *r = vcpu->vmx.regs;
	struct kvm_regs regs;

	if (copy_from_user(&regs, u, sizeof(regs)))
		return -EFAULT;
	r[__VCPU_REGS_RAX] = regs.rax;
	r[__VCPU_REGS_RBX] = regs.rbx;
	r[__VCPU_REGS_RCX] = regs.rcx;
	r[__VCPU_REGS_RDX] = regs.rdx;
	r[__VCPU_REGS_RSI] = regs.rsi;
	r[__VCPU_REGS_RDI] = regs.rdi;
	r[__VCPU_REGS_RBP] = regs.rbp;
	r[__VCPU_REGS_R8] = regs.r8;
	r[__VCPU_REGS_R9] = regs.r9;
	r[__VCPU_REGS_R10] = regs.r10;
	r[__VCPU_REGS_R11] = regs.r11;
	r[__VCPU_REGS_R12] = regs.r12;
	r[__VCPU_REGS_R13] = regs.r13;
	r[__VCPU_REGS_R14] = regs.r14;
	r[__VCPU_REGS_R15] = regs.r15;
	vmcs_writel(GUEST_RSP, regs.rsp);
	vmcs_writel(GUEST_RIP, regs.rip);
	/* Bit 1 of RFLAGS always reads 1; KVM forces it too. */
	vmcs_writel(GUEST_RFLAGS, regs.rflags | X86_EFLAGS_FIXED);
	/* New registers cancel a queued exception, as in KVM. */
	vcpu->exception_pending = false;
	return 0;
}

/* One table of the eight segment registers and their VMCS fields. */
static const struct {
	u32 sel, base, limit, ar;
	size_t off;
} vcpu_segs[] = {
#define SEG(name, seg) { GUEST_##name##_SELECTOR, GUEST_##name##_BASE, \
			 GUEST_##name##_LIMIT, GUEST_##name##_AR_BYTES, \
			 offsetof(struct kvm_sregs, seg) }
	SEG(CS, cs), SEG(DS, ds), SEG(ES, es), SEG(FS, fs),
	SEG(GS, gs), SEG(SS, ss), SEG(TR, tr), SEG(LDTR, ldt),
#undef SEG
};

/*
 * SDM Vol. 3C, "Guest Register State", access-rights format: type 3:0,
 * S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16.
 */
static void vcpu_get_segment(unsigned int i, struct kvm_segment *s)
{
	u32 ar = __vmcs_read(vcpu_segs[i].ar);

	s->selector = __vmcs_read(vcpu_segs[i].sel);
	s->base = __vmcs_read(vcpu_segs[i].base);
	s->limit = __vmcs_read(vcpu_segs[i].limit);
	s->unusable = (ar >> 16) & 1;
	s->type = ar & 15;
	s->s = (ar >> 4) & 1;
	s->dpl = (ar >> 5) & 3;
	/* KVM reports unusable segments as not present. */
	s->present = !s->unusable;
	s->avl = (ar >> 12) & 1;
	s->l = (ar >> 13) & 1;
	s->db = (ar >> 14) & 1;
	s->g = (ar >> 15) & 1;
	s->padding = 0;
}

static void vcpu_set_segment(unsigned int i, const struct kvm_segment *s)
{
	u32 ar;

	u8 type = s->type;

	/*
	 * VM entry wants usable segments "accessed" (SDM Vol. 3C, "Checks on
	 * Guest Segment Registers"), and reset state has it set; VMMs that
	 * clear it work on KVM, which sets it back under unrestricted guest.
	 */
	if (vcpu_segs[i].ar != GUEST_LDTR_AR_BYTES)
		type |= 1;
	/* Not present means unusable to VMX, whatever userspace said. */
	if (s->unusable || !s->present)
		ar = 1 << 16;
	else
		ar = (type & 15) | (s->s & 1) << 4 | (s->dpl & 3) << 5 | 1 << 7 |
		     (s->avl & 1) << 12 | (s->l & 1) << 13 | (s->db & 1) << 14 | (s->g & 1) << 15;
	__vmcs_write(vcpu_segs[i].sel, s->selector);
	__vmcs_write(vcpu_segs[i].base, s->base);
	__vmcs_write(vcpu_segs[i].limit, s->limit);
	__vmcs_write(vcpu_segs[i].ar, ar);
}

static long vcpu_get_sregs(struct minikvm_vcpu *vcpu, struct kvm_sregs __user *u)
{
	struct kvm_sregs sregs = {};
	u32 info = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vcpu_segs); i++)
		vcpu_get_segment(i, (void *)&sregs + vcpu_segs[i].off);
	sregs.gdt.base = vmcs_readl(GUEST_GDTR_BASE);
	sregs.gdt.limit = vmcs_read32(GUEST_GDTR_LIMIT);
	sregs.idt.base = vmcs_readl(GUEST_IDTR_BASE);
	sregs.idt.limit = vmcs_read32(GUEST_IDTR_LIMIT);
	sregs.cr0 = vcpu->vmx.cr0;
	sregs.cr2 = vcpu->vmx.cr2;
	sregs.cr3 = vmcs_readl(GUEST_CR3);
	sregs.cr4 = vcpu->vmx.cr4;
	sregs.cr8 = vcpu->cr8;
	sregs.efer = vmcs_read64(GUEST_IA32_EFER);
	sregs.apic_base = vcpu->msr_apic_base;
	/* An external interrupt being injected shows in interrupt_bitmap. */
	if ((info & INTR_INFO_VALID_MASK) &&
	    (info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_EXT_INTR)
		__set_bit(info & INTR_INFO_VECTOR_MASK, (unsigned long *)sregs.interrupt_bitmap);
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

static long vcpu_set_sregs(struct minikvm_vcpu *vcpu, struct kvm_sregs __user *u)
{
	struct kvm_sregs s;
	unsigned int i;
	int vector;

	if (copy_from_user(&s, u, sizeof(s)))
		return -EFAULT;
	if (!vcpu_sregs_valid(&s))
		return -EINVAL;

	/* EFER first (with its LMA), so CR0/CR4 see the final mode. */
	vmx_set_efer(vcpu, s.efer);
	vmcs_writel(GUEST_CR3, s.cr3);
	vcpu->vmx.cr2 = s.cr2;
	vcpu->cr8 = s.cr8;
	vcpu->msr_apic_base = s.apic_base;
	/* vmx_set_cr4() refuses clearing PAE in long mode only for the guest. */
	if (vmx_set_cr4(vcpu, s.cr4) || vmx_set_cr0(vcpu, s.cr0))
		return -EINVAL;
	vmx_set_efer(vcpu, s.efer);
	for (i = 0; i < ARRAY_SIZE(vcpu_segs); i++)
		vcpu_set_segment(i, (void *)&s + vcpu_segs[i].off);
	vmcs_writel(GUEST_GDTR_BASE, s.gdt.base);
	vmcs_write32(GUEST_GDTR_LIMIT, s.gdt.limit);
	vmcs_writel(GUEST_IDTR_BASE, s.idt.base);
	vmcs_write32(GUEST_IDTR_LIMIT, s.idt.limit);
	if ((s.cr0 & X86_CR0_PG) && (s.cr4 & X86_CR4_PAE) && !(s.efer & EFER_LMA) &&
	    vmx_load_pdptrs(vcpu))
		return -EINVAL;

	vector = find_first_bit((unsigned long *)s.interrupt_bitmap, KVM_NR_INTERRUPTS);
	if (vector < KVM_NR_INTERRUPTS)
		vmcs_write32(VM_ENTRY_INTR_INFO_FIELD,
			     vector | INTR_TYPE_EXT_INTR | INTR_INFO_VALID_MASK);
	return 0;
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

static long vcpu_get_events(struct minikvm_vcpu *vcpu, struct kvm_vcpu_events __user *u)
{
	u32 info = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;
	struct kvm_vcpu_events ev = {};

	if (info & INTR_INFO_VALID_MASK) {
		if (type == INTR_TYPE_HARD_EXCEPTION || type == INTR_TYPE_SOFT_EXCEPTION) {
			ev.exception.injected = 1;
			ev.exception.nr = info & INTR_INFO_VECTOR_MASK;
			ev.exception.has_error_code = !!(info & INTR_INFO_DELIVER_CODE_MASK);
			ev.exception.error_code = vmcs_read32(VM_ENTRY_EXCEPTION_ERROR_CODE);
		} else if (type == INTR_TYPE_EXT_INTR || type == INTR_TYPE_SOFT_INTR) {
			ev.interrupt.injected = 1;
			ev.interrupt.nr = info & INTR_INFO_VECTOR_MASK;
			ev.interrupt.soft = type == INTR_TYPE_SOFT_INTR;
		} else if (type == INTR_TYPE_NMI_INTR) {
			ev.nmi.injected = 1;
		}
	}
	if (vcpu->exception_pending) {
		ev.exception.pending = 1;
		ev.exception.nr = vcpu->exception_vector;
		ev.exception.has_error_code = vcpu->exception_has_error;
		ev.exception.error_code = vcpu->exception_error;
	}
	ev.interrupt.shadow = (intr & GUEST_INTR_STATE_MOV_SS ? KVM_X86_SHADOW_INT_MOV_SS : 0) |
			      (intr & GUEST_INTR_STATE_STI ? KVM_X86_SHADOW_INT_STI : 0);
	ev.nmi.masked = !!(intr & GUEST_INTR_STATE_NMI);
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
		   KVM_VCPUEVENT_VALID_SMM;
	return copy_to_user(u, &ev, sizeof(ev)) ? -EFAULT : 0;
}

#define VCPU_EVENTS_KNOWN (KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR | \
			   KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM)

static long vcpu_set_events(struct minikvm_vcpu *vcpu, struct kvm_vcpu_events __user *u)
{
	struct kvm_vcpu_events ev;
	u32 intr, info = 0;

	if (copy_from_user(&ev, u, sizeof(ev)))
		return -EFAULT;
	/* KVM refuses unknown flags and payloads it was not asked to report. */
	if (ev.flags & ~VCPU_EVENTS_KNOWN)
		return -EINVAL;
	if ((ev.exception.injected || ev.exception.pending) &&
	    (ev.exception.nr > 31 || ev.exception.nr == NMI_VECTOR))
		return -EINVAL;
	/* minikvm has no SMM: entering it is refused. */
	if ((ev.flags & KVM_VCPUEVENT_VALID_SMM) && ev.smi.smm)
		return -EINVAL;

	vcpu->exception_pending = false;
	if (ev.exception.injected) {
		info = ev.exception.nr | INTR_INFO_VALID_MASK |
		       (ev.exception.nr == BP_VECTOR || ev.exception.nr == OF_VECTOR ?
			INTR_TYPE_SOFT_EXCEPTION : INTR_TYPE_HARD_EXCEPTION);
		if (ev.exception.has_error_code) {
			info |= INTR_INFO_DELIVER_CODE_MASK;
			vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, ev.exception.error_code);
		}
	} else if (ev.exception.pending) {
		vmx_queue_exception(vcpu, ev.exception.nr, ev.exception.has_error_code,
				    ev.exception.error_code);
	} else if (ev.nmi.injected) {
		info = NMI_VECTOR | INTR_TYPE_NMI_INTR | INTR_INFO_VALID_MASK;
	} else if (ev.interrupt.injected) {
		info = ev.interrupt.nr | INTR_INFO_VALID_MASK |
		       (ev.interrupt.soft ? INTR_TYPE_SOFT_INTR : INTR_TYPE_EXT_INTR);
	}
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);

	intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (ev.flags & KVM_VCPUEVENT_VALID_SHADOW) {
		intr &= ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
		if (ev.interrupt.shadow & KVM_X86_SHADOW_INT_MOV_SS)
			intr |= GUEST_INTR_STATE_MOV_SS;
		if (ev.interrupt.shadow & KVM_X86_SHADOW_INT_STI)
			intr |= GUEST_INTR_STATE_STI;
	}
	/* Blocking by NMI needs virtual NMIs to mean anything on entry. */
	intr &= ~GUEST_INTR_STATE_NMI;
	if (ev.nmi.masked && (vcpu->vmx.ctls.pin & PIN_BASED_VIRTUAL_NMIS))
		intr |= GUEST_INTR_STATE_NMI;
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr);
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
	case KVM_GET_VCPU_EVENTS:
		return vcpu_get_events(vcpu, argp);
	case KVM_SET_VCPU_EVENTS:
		return vcpu_set_events(vcpu, argp);
	}
	return -EINVAL;
}
