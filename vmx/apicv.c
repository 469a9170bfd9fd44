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
 *  - virtual-interrupt delivery: irq/ folds the posted vectors into the
 *    page's IRR and names RVI (the highest requested vector) and SVI (the
 *    highest in service) with the EOI-exit bitmap
 *    (minikvm_set_virtual_interrupts()); the CPU then delivers the
 *    interrupt itself when the guest can take it, with no event
 *    injection and no interrupt window, moving the vector from IRR to
 *    ISR in the page and raising VPPR. The TPR threshold is not used.
 *    An EOI the CPU virtualizes exits only for a vector the bitmap names
 *    (level-triggered: the IOAPIC must hear it), as an EOI-induced exit.
 *  - posted-interrupt processing (with virtual-interrupt delivery, where
 *    the CPU has it): the LAPIC's posted-interrupt descriptor (apic->pi)
 *    is the CPU's, and POSTED_INTR_NV names MINIKVM_PI_NOTIFY_VECTOR.
 *    A CPU in guest mode that receives that vector does not exit: it
 *    moves the PIR into the page's IRR and RVI itself and delivers as
 *    above (SDM Vol. 3C, "Posted-Interrupt Processing"). irq/posted.c
 *    sends the vector and has the ordering argument.
 *  - virtualize x2APIC mode (with virtual-interrupt delivery, only with
 *    enable_x2apic_virt=1, vmx/vmcs_config.c says why): while the
 *    guest's APIC is in x2APIC mode, the MSR bitmap lets TPR reads and
 *    writes, EOI and SELF IPI writes through, and the CPU virtualizes
 *    them on the page (mvmx_apic_mode_changed()); every other x2APIC MSR
 *    still exits. In xAPIC mode the bitmap intercepts them all again:
 *    with the control off, an MSR the bitmap lets through would reach
 *    the real one.
 *  - APIC-register virtualization (with virtual-interrupt delivery): in
 *    x2APIC mode, RDMSR of the registers the page holds as the guest
 *    must see them (vmx_x2apic_page_reads[]) reads the page without an
 *    exit. Not the timer's current count, which is computed
 *    (irq/lapic_timer.c), nor a register minikvm refuses (#GP), which
 *    still exit. An IRR bit posted but not yet folded is not seen until
 *    the next exit folds it, as with a real APIC whose IRR a message has
 *    not yet reached.
 *  - virtualize APIC accesses (with register virtualization): while the
 *    guest's APIC is enabled at the default base in xAPIC mode
 *    (vmx_update_apic_access()), accesses to the APIC-access page the
 *    EPT maps there are served from the register page: reads of the
 *    same registers with no exit, TPR and EOI writes virtualized, other
 *    writes with effects stored and then an APIC-write exit, trap-like,
 *    that irq/ finishes with no decode (mvmx_handle_apic_write()); what
 *    is left is an APIC-access exit, decoded as MMIO
 *    (mvmx_handle_apic_access()).
 *
 * Environment: the vCPU thread, vCPU loaded (creation loads it here).
 */
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/apicdef.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "core/request.h"
#include "irq/apic.h"
#include "vmx/exit.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"
#include "uapi/minikvm.h"

/* The x2APIC MSR of an xAPIC register offset (SDM Vol. 3A, "x2APIC Register Address Space"). */
#define VMX_X2APIC_MSR(reg)	(APIC_BASE_MSR + ((reg) >> 4))

static const u32 vmx_eoi_exit_fields[4] = {
	EOI_EXIT_BITMAP0, EOI_EXIT_BITMAP1, EOI_EXIT_BITMAP2, EOI_EXIT_BITMAP3,
};
static const u64 vmx_no_eoi_exits[4];

/*
 * SDM Vol. 3C, "Guest Non-Register State": RVI in bits 7:0, SVI in 15:8.
 * The guest interrupt status is written every time, never skipped for
 * being what was written last: while the guest runs the CPU changes RVI
 * and SVI itself (a delivery moves RVI to SVI, a virtualized EOI lowers
 * SVI), so the value this vCPU wrote last says nothing about the VMCS.
 * Skipping the write when the page asked again for the status of the
 * previous entry (a vector delivered, EOIed by an emulated write, and
 * the next one of the same vector already posted) left RVI at 0 with
 * the vector in the page's IRR: a vCPU that HLTs then never gets it.
 * The EOI-exit bitmap is the VMM's alone, so its writes are cached;
 * vmx->intr_status keeps the status an entry starts from, for
 * mvmx_reinject_vectoring(), which also sets it after each exit.
 */
static void vmx_write_virtual_interrupts(struct vmx_vcpu *vmx, u8 rvi, u8 svi,
					 const u64 eoi_exit[4])
{
	int i;

	vmx->intr_status = rvi | (u16)svi << 8;
	vmcs_write16(GUEST_INTR_STATUS, vmx->intr_status);
	for (i = 0; i < 4; i++)
		if (eoi_exit[i] != vmx->eoi_exit[i] || !vmx->eoi_exit_valid) {
			vmcs_write64(vmx_eoi_exit_fields[i], eoi_exit[i]);
			vmx->eoi_exit[i] = eoi_exit[i];
		}
	vmx->eoi_exit_valid = true;
}

/**
 * mvmx_vcpu_apic_create() - a vCPU got its in-kernel LAPIC
 * @vcpu: the new vCPU, not yet visible to userspace
 * @regs: the LAPIC's register page, 4 KiB aligned
 * @pi_desc: its posted-interrupt descriptor, 64 bytes, 64-byte aligned
 * @access_page: the VM's APIC-access page
 *
 * The VM's decision (vm->apicv) is made here, at its first LAPIC: what
 * mvmx_config.apicv allows. Every vCPU of the VM then uses the same.
 */
void mvmx_vcpu_apic_create(struct minikvm_vcpu *vcpu, void *regs, void *pi_desc,
			   struct page *access_page)
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
	if (a->mode & MINIKVM_APICV_VID) {
		vmx->ctls.proc2 |= a->proc2_set;
		vmcs_write32(SECONDARY_VM_EXEC_CONTROL, vmx->ctls.proc2);
		vmx_write_virtual_interrupts(vmx, 0, 0, vmx_no_eoi_exits);
	}
	if (a->mode & MINIKVM_APICV_POSTED) {
		vmx->ctls.pin |= a->pin_set;
		vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, vmx->ctls.pin);
		vmcs_write16(POSTED_INTR_NV, MINIKVM_PI_NOTIFY_VECTOR);
		vmcs_write64(POSTED_INTR_DESC_ADDR, __pa(pi_desc));
	}
	if (a->mode & MINIKVM_APICV_APIC_ACCESS) {
		vmcs_write64(APIC_ACCESS_ADDR, page_to_phys(access_page));
		mvmx_apic_mode_changed(vcpu);
	}
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

/**
 * minikvm_set_virtual_interrupts() - RVI, SVI and the EOI-exit bitmap
 * @vcpu: loaded vCPU, IRQs off, before entry, with virtual-interrupt delivery
 * @rvi: the highest vector in the page's IRR, 0 for none
 * @svi: the highest vector in its ISR, 0 for none
 * @eoi_exit: 256 bits: vectors whose EOI must exit
 *
 * Ordering: irq/ calls this after it folded the PIR into the page, with
 * IRQs off and vcpu->mode already IN_GUEST, so a vector posted later
 * either made the request this entry looks at, or kicks the entry out
 * (irq/posted.c); VM entry then evaluates RVI against VPPR (SDM Vol. 3C,
 * "Evaluation of Pending Virtual Interrupts"). The RVI written is stale
 * only by being lower than the page's IRR after a later post, which the
 * next pass fixes before the next entry; never higher, so the CPU never
 * delivers a vector the page does not request. While the guest runs the
 * CPU keeps the page, RVI and SVI consistent itself, so after an exit
 * the page is the truth and irq/ recomputes both from it.
 */
void minikvm_set_virtual_interrupts(struct minikvm_vcpu *vcpu, u8 rvi, u8 svi,
				    const u64 eoi_exit[4])
{
	vmx_write_virtual_interrupts(to_vmx(vcpu), rvi, svi, eoi_exit);
}

/* The x2APIC registers read from the page with APIC-register virtualization. */
static const u32 vmx_x2apic_page_reads[] = {
	APIC_ID, APIC_LVR, APIC_PROCPRI, APIC_LDR, APIC_SPIV, APIC_ESR, APIC_ICR,
	APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC, APIC_LVT0, APIC_LVT1, APIC_LVTERR,
	APIC_TMICT, APIC_TDCR,
};

static void vmx_x2apic_reads(struct vmx_vcpu *vmx, bool intercept)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vmx_x2apic_page_reads); i++)
		mvmx_msr_intercept(vmx, VMX_X2APIC_MSR(vmx_x2apic_page_reads[i]), intercept, true);
	/* ISR, TMR, IRR: eight 32-bit registers each. */
	for (i = 0; i < 8; i++) {
		mvmx_msr_intercept(vmx, VMX_X2APIC_MSR(APIC_ISR + (i << 4)), intercept, true);
		mvmx_msr_intercept(vmx, VMX_X2APIC_MSR(APIC_TMR + (i << 4)), intercept, true);
		mvmx_msr_intercept(vmx, VMX_X2APIC_MSR(APIC_IRR + (i << 4)), intercept, true);
	}
}

/*
 * Virtualized xAPIC page accesses only while the xAPIC page is there to
 * access: the APIC enabled, in xAPIC mode, at the default base where the
 * EPT maps the APIC-access page (mmu/ept_violation.c). Otherwise the
 * accesses reach that page itself, as in KVM with APICv. Never together
 * with virtualize-x2APIC mode (SDM Vol. 3C, "Checks on VM-Execution
 * Control Fields").
 */
static void vmx_update_apic_access(struct minikvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 base = vcpu->msr_apic_base;
	bool on = (vmx->apicv & MINIKVM_APICV_APIC_ACCESS) &&
		  (base & (MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE)) == MSR_IA32_APICBASE_ENABLE &&
		  (base & MSR_IA32_APICBASE_BASE) == APIC_DEFAULT_PHYS_BASE;

	if (on)
		vmx->ctls.proc2 |= SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES;
	else
		vmx->ctls.proc2 &= ~SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES;
}

/**
 * mvmx_apic_mode_changed() - the guest's IA32_APIC_BASE changed
 * @vcpu: loaded vCPU, IA32_APIC_BASE already written
 *
 * Enabled or not, xAPIC or x2APIC mode, the base: which of the APIC's
 * accesses the CPU virtualizes follows them.
 */
void mvmx_apic_mode_changed(struct minikvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	bool x2 = vcpu->msr_apic_base & X2APIC_ENABLE;

	if (!(vmx->apicv & (MINIKVM_APICV_X2APIC | MINIKVM_APICV_APIC_ACCESS)))
		return;
	vmx_update_apic_access(vcpu);
	if (vmx->apicv & MINIKVM_APICV_X2APIC) {
		/* Both before the next entry: no entry sees one without the other. */
		mvmx_msr_intercept(vmx, VMX_X2APIC_MSR(APIC_TASKPRI), !x2, !x2);
		mvmx_msr_intercept(vmx, VMX_X2APIC_MSR(APIC_EOI), true, !x2);
		mvmx_msr_intercept(vmx, VMX_X2APIC_MSR(APIC_SELF_IPI), true, !x2);
		if (vmx->apicv & MINIKVM_APICV_REG_VIRT)
			vmx_x2apic_reads(vmx, !x2);
		if (x2)
			vmx->ctls.proc2 |= SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE;
		else
			vmx->ctls.proc2 &= ~SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE;
	}
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, vmx->ctls.proc2);
}

/*
 * A virtualized EOI of a vector the EOI-exit bitmap names: the CPU has
 * already cleared it from the page's ISR and updated SVI and VPPR;
 * trap-like, the vector in the exit qualification (SDM Vol. 3C,
 * "EOI Virtualization"). irq/ does the rest of an EOI.
 */
int mvmx_handle_eoi_induced(struct minikvm_vcpu *vcpu)
{
	minikvm_lapic_eoi_induced(vcpu, to_vmx(vcpu)->exit.qualification & 0xff);
	return RESUME_GUEST;
}

/*
 * An access to the APIC-access page that the CPU did not serve from the
 * virtual-APIC page (SDM Vol. 3C, "APIC-Access VM Exits"): a read of a
 * register the page does not hold as read (the timer's current count,
 * APR), a write to a register without write effects the CPU emulates
 * (read-only, reserved), one that is not an aligned 32-bit access.
 * Fault-like, so the instruction is emulated as an MMIO access at the
 * same offset of the xAPIC page, which is where the page is mapped
 * (vmx_update_apic_access()). Exit qualification bits 11:0 the offset,
 * 15:12 the type: a linear read or write, or a guest-physical access
 * during an instruction; a fetch or an access while delivering an event
 * cannot be emulated and ends KVM_RUN with an internal error.
 */
int mvmx_handle_apic_access(struct minikvm_vcpu *vcpu)
{
	unsigned long q = to_vmx(vcpu)->exit.qualification;

	switch ((q >> 12) & 0xf) {
	case 0:		/* linear read */
	case 1:		/* linear write */
	case 15:	/* guest-physical, during instruction execution */
		return mmu_mmio_emulate(vcpu, APIC_DEFAULT_PHYS_BASE + (q & 0xfff));
	default:
		return mvmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION);
	}
}

/*
 * A write the CPU made to the virtual-APIC page whose effects it leaves
 * to the VMM (SDM Vol. 3C, "APIC-Write VM Exits"): trap-like, RIP past
 * the instruction, the register offset in the exit qualification.
 */
int mvmx_handle_apic_write(struct minikvm_vcpu *vcpu)
{
	minikvm_lapic_write_trap(vcpu, to_vmx(vcpu)->exit.qualification & 0xff0);
	return RESUME_GUEST;
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
