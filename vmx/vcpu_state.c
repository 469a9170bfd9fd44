// SPDX-License-Identifier: GPL-2.0
/*
 * The register state only VT-x holds, for the ioctls of core/vcpu_state.c:
 * KVM_GET/SET_SREGS in the layout of <asm/kvm.h>, translated to and from
 * VMCS guest-state fields (the event queue of KVM_GET/SET_VCPU_EVENTS is
 * irq/event.c's, the shadows and NMI blocking vmx/event_inject.c's). core/
 * copies from and to userspace and refuses what KVM refuses; what
 * arrives here is valid.
 *
 * Environment: vCPU loaded, vcpu->mutex held.
 */
#include <linux/kernel.h>
#include <asm/irq_vectors.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "irq/apic.h"
#include "vmx/vmx.h"
#include "core/request.h"
#include "vmx/vmx_ops.h"

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
 * S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16; all but
 * AVL have a VMX_AR_* name in <asm/vmx.h>.
 */
#define VMX_AR_AVL_MASK		BIT(12)

static void vcpu_get_segment(unsigned int i, struct kvm_segment *s)
{
	u32 ar = __vmcs_read(vcpu_segs[i].ar);

	s->selector = __vmcs_read(vcpu_segs[i].sel);
	s->base = __vmcs_read(vcpu_segs[i].base);
	s->limit = __vmcs_read(vcpu_segs[i].limit);
	s->unusable = !!(ar & VMX_AR_UNUSABLE_MASK);
	s->type = ar & VMX_AR_TYPE_MASK;
	s->s = !!(ar & VMX_AR_S_MASK);
	s->dpl = VMX_AR_DPL(ar);
	/* KVM reports unusable segments as not present. */
	s->present = !s->unusable;
	s->avl = !!(ar & VMX_AR_AVL_MASK);
	s->l = !!(ar & VMX_AR_L_MASK);
	s->db = !!(ar & VMX_AR_DB_MASK);
	s->g = !!(ar & VMX_AR_G_MASK);
	s->padding = 0;
}

static void vcpu_set_segment(unsigned int i, const struct kvm_segment *s)
{
	u8 type = s->type;
	u32 ar;

	/*
	 * VM entry wants usable segments "accessed" (SDM Vol. 3C, "Checks on
	 * Guest Segment Registers"), and reset state has it set; VMMs that
	 * clear it work on KVM, which sets it back under unrestricted guest.
	 */
	if (vcpu_segs[i].ar != GUEST_LDTR_AR_BYTES)
		type |= VMX_AR_TYPE_ACCESSES_MASK;
	/* Not present means unusable to VMX, whatever userspace said. */
	if (s->unusable || !s->present)
		ar = VMX_AR_UNUSABLE_MASK;
	else
		ar = (type & VMX_AR_TYPE_MASK) | (s->s ? VMX_AR_S_MASK : 0) |
		     (s->dpl & 3) << VMX_AR_DPL_SHIFT | VMX_AR_P_MASK |
		     (s->avl ? VMX_AR_AVL_MASK : 0) | (s->l ? VMX_AR_L_MASK : 0) |
		     (s->db ? VMX_AR_DB_MASK : 0) | (s->g ? VMX_AR_G_MASK : 0);
	__vmcs_write(vcpu_segs[i].sel, s->selector);
	__vmcs_write(vcpu_segs[i].base, s->base);
	__vmcs_write(vcpu_segs[i].limit, s->limit);
	__vmcs_write(vcpu_segs[i].ar, ar);
}

void mvmx_get_sregs(struct minikvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vcpu_segs); i++)
		vcpu_get_segment(i, (void *)sregs + vcpu_segs[i].off);
	sregs->gdt.base = vmcs_readl(GUEST_GDTR_BASE);
	sregs->gdt.limit = vmcs_read32(GUEST_GDTR_LIMIT);
	sregs->idt.base = vmcs_readl(GUEST_IDTR_BASE);
	sregs->idt.limit = vmcs_read32(GUEST_IDTR_LIMIT);
	sregs->cr0 = mvmx_read_cr0(vcpu);
	sregs->cr2 = vmx->cr2;
	sregs->cr3 = vmcs_readl(GUEST_CR3);
	sregs->cr4 = mvmx_read_cr4(vcpu);
	sregs->cr8 = minikvm_get_cr8(vcpu);
	sregs->efer = vmcs_read64(GUEST_IA32_EFER);
	sregs->apic_base = vcpu->msr_apic_base;
	/* An external interrupt waiting to go in shows in interrupt_bitmap. */
	if (vcpu->interrupt.injected && !vcpu->interrupt.soft)
		__set_bit(vcpu->interrupt.nr, (unsigned long *)sregs->interrupt_bitmap);
}

/*
 * Return: 0, or -EINVAL for control registers the CPU cannot run with or
 * PAE PDPTEs outside guest memory. Everything is checked before anything
 * is written: a rejected call changes nothing.
 */
int mvmx_set_sregs(struct minikvm_vcpu *vcpu, const struct kvm_sregs *s)
{
	bool pae = (s->cr0 & X86_CR0_PG) && (s->cr4 & X86_CR4_PAE) && !(s->efer & EFER_LMA);
	unsigned int i;
	u64 pdpte[4];
	int vector;

	if (mvmx_cr0_invalid(s->cr0 | X86_CR0_ET) || mvmx_cr4_invalid(vcpu, s->cr4, s->efer))
		return -EINVAL;
	if (pae && mvmx_read_pdptes(vcpu, s->cr3, pdpte))
		return -EINVAL;
	if (!mvmx_apic_base_valid(vcpu, s->apic_base))
		return -EINVAL;

	/* EFER first (with its LMA), so CR0/CR4 see the final mode. */
	mvmx_set_efer(vcpu, s->efer);
	vmcs_writel(GUEST_CR3, s->cr3);
	to_vmx(vcpu)->cr2 = s->cr2;
	minikvm_set_apic_base(vcpu, s->apic_base, true);
	minikvm_set_cr8(vcpu, s->cr8);
	/*
	 * Both values were checked above. A PDPTE load on the way (when the
	 * old CR0 and the new CR4 look like PAE paging) may find nothing at
	 * CR3; only the final state's load, below, counts.
	 */
	mvmx_set_cr4(vcpu, s->cr4);
	mvmx_set_cr0(vcpu, s->cr0);
	mvmx_set_efer(vcpu, s->efer);
	for (i = 0; i < ARRAY_SIZE(vcpu_segs); i++)
		vcpu_set_segment(i, (const void *)s + vcpu_segs[i].off);
	vmcs_writel(GUEST_GDTR_BASE, s->gdt.base);
	vmcs_write32(GUEST_GDTR_LIMIT, s->gdt.limit);
	vmcs_writel(GUEST_IDTR_BASE, s->idt.base);
	vmcs_write32(GUEST_IDTR_LIMIT, s->idt.limit);
	if (pae)
		mvmx_write_pdptes(pdpte);

	/* As KVM's __set_sregs(): a set bit is an interrupt to inject. */
	vector = find_first_bit((const unsigned long *)s->interrupt_bitmap, KVM_NR_INTERRUPTS);
	if (vector < KVM_NR_INTERRUPTS) {
		vcpu->interrupt.injected = true;
		vcpu->interrupt.soft = false;
		vcpu->interrupt.nr = vector;
	}
	minikvm_make_request(MINIKVM_REQ_EVENT, vcpu);
	return 0;
}
