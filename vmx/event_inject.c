// SPDX-License-Identifier: GPL-2.0
/*
 * Event injection on VT-x: the mechanism under irq/event.c's policy.
 *
 *  - minikvm_inject_event() writes one event into the VM-entry
 *    interruption-information field (SDM Vol. 3C, "VM-Entry Controls for
 *    Event Injection"); the CPU delivers it through the guest IDT as part
 *    of the entry;
 *  - minikvm_enable_window() arms interrupt-window or NMI-window exiting
 *    (SDM Vol. 3C, "Primary Processor-Based VM-Execution Controls"): the
 *    CPU exits at the first instruction boundary where the guest could
 *    take the event; vmx/exit_window.c disarms it again;
 *  - mvmx_reinject_vectoring() reads the IDT-vectoring information after
 *    an exit that cut a delivery short (SDM Vol. 3C, "Information for VM
 *    Exits During Event Delivery") and hands the event back to
 *    irq/event.c, which injects it again with the next entry.
 *
 * Environment: vCPU loaded; injection with IRQs off just before entry.
 */
#include <linux/kernel.h>
#include <linux/smp.h>
#include <asm/kvm_host.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "vmx/vmx.h"
#include "core/observe.h"
#include "irq/event.h"
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"

/* Kind -> interruption type; the soft ones need an instruction length. */
static const struct {
	u32 type;
	bool soft;
} vmx_event_types[MINIKVM_EVENT_KINDS] = {
	[MINIKVM_EVENT_EXCEPTION]	= { INTR_TYPE_HARD_EXCEPTION, false },
	[MINIKVM_EVENT_SOFT_EXCEPTION]	= { INTR_TYPE_SOFT_EXCEPTION, true },
	[MINIKVM_EVENT_NMI]		= { INTR_TYPE_NMI_INTR, false },
	[MINIKVM_EVENT_INTR]		= { INTR_TYPE_EXT_INTR, false },
	[MINIKVM_EVENT_SOFT_INTR]	= { INTR_TYPE_SOFT_INTR, true },
};

/*
 * Interruption type from the IDT-vectoring field -> kind. ICEBP (a
 * privileged software exception) goes back in as a #DB, as in KVM.
 */
static const s8 vmx_vectoring_kinds[8] = {
	[INTR_TYPE_EXT_INTR >> 8]		= MINIKVM_EVENT_INTR,
	[INTR_TYPE_NMI_INTR >> 8]		= MINIKVM_EVENT_NMI,
	[INTR_TYPE_HARD_EXCEPTION >> 8]		= MINIKVM_EVENT_EXCEPTION,
	[INTR_TYPE_SOFT_INTR >> 8]		= MINIKVM_EVENT_SOFT_INTR,
	[INTR_TYPE_PRIV_SW_EXCEPTION >> 8]	= MINIKVM_EVENT_EXCEPTION,
	[INTR_TYPE_SOFT_EXCEPTION >> 8]		= MINIKVM_EVENT_SOFT_EXCEPTION,
	[INTR_TYPE_OTHER_EVENT >> 8]		= -1,	/* MTF: nothing to deliver */
	[INTR_TYPE_RESERVED >> 8]		= -1,
};

/**
 * minikvm_inject_event() - deliver an event with the next entry
 * @vcpu: loaded vCPU, IRQs off
 * @kind: what it is
 * @vector: its vector
 * @has_error: push @error (dropped in real mode: "deliver error code"
 *	must be 0 when CR0.PE = 0, SDM Vol. 3C, "Checks on VM-Entry Control
 *	Fields")
 * @error: the error code
 * @insn_len: length of the instruction of a soft event, which the CPU
 *	adds to RIP to find the return address
 */
void minikvm_inject_event(struct minikvm_vcpu *vcpu, enum minikvm_event_kind kind, u8 vector,
			  bool has_error, u32 error, u8 insn_len)
{
	u32 info = vector | vmx_event_types[kind].type | INTR_INFO_VALID_MASK;

	if (vmx_event_types[kind].soft)
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, insn_len);
	/*
	 * The CPU clears DR7.GD when it delivers a #DB, so that the handler
	 * may use the debug registers; an injected #DB does not do it
	 * (VM entry leaves DR7 as the VMCS has it), so minikvm does.
	 */
	if (kind == MINIKVM_EVENT_EXCEPTION && vector == DB_VECTOR) {
		unsigned long dr7 = vmcs_readl(GUEST_DR7);

		if (dr7 & DR7_GD)
			mvmx_set_guest_dr7(vcpu, dr7 & ~DR7_GD);
	}
	if (has_error && (to_vmx(vcpu)->cr0 & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
	to_vmx(vcpu)->injected = true;
	minikvm_note_inject(vcpu, info, vcpu->event_requeued);
}

void minikvm_cancel_injection(struct minikvm_vcpu *vcpu)
{
	to_vmx(vcpu)->injected = false;
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
}

static void vmx_set_proc_bits(struct vmx_vcpu *vmx, u32 bits)
{
	if ((vmx->ctls.proc & bits) == bits)
		return;
	vmx->ctls.proc |= bits;
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, vmx->ctls.proc);
}

/* Disarm a window exit; vmx/exit_window.c, when it came. */
void mvmx_clear_proc_bits(struct vmx_vcpu *vmx, u32 bits)
{
	if (!(vmx->ctls.proc & bits))
		return;
	vmx->ctls.proc &= ~bits;
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, vmx->ctls.proc);
}

/**
 * minikvm_enable_window() - exit when the guest can take an event
 * @vcpu: loaded vCPU
 * @window: an interrupt or an NMI
 *
 * Without NMI-window exiting, or while an STI shadow blocks the NMI (which
 * the NMI window would not wait out on every CPU), the interrupt window
 * stands in for it, as in KVM's vmx_enable_nmi_window().
 */
void minikvm_enable_window(struct minikvm_vcpu *vcpu, enum minikvm_window window)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 bit = CPU_BASED_INTR_WINDOW_EXITING;

	if (window == MINIKVM_WINDOW_NMI &&
	    (mvmx_config.proc_windows & CPU_BASED_NMI_WINDOW_EXITING) &&
	    !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & GUEST_INTR_STATE_STI))
		bit = CPU_BASED_NMI_WINDOW_EXITING;
	vmx_set_proc_bits(vmx, bit);
	minikvm_note_window(vcpu, window, false);
}

/*
 * An exit right after the next entry, whose event is then delivered: a
 * self-IPI, pending while IRQs are off, makes an external-interrupt exit
 * before the guest's first instruction (KVM does the same without the
 * VMX preemption timer).
 */
void minikvm_request_immediate_exit(struct minikvm_vcpu *vcpu)
{
	smp_send_reschedule(smp_processor_id());
}

static bool vmx_has_vnmi(struct minikvm_vcpu *vcpu)
{
	return to_vmx(vcpu)->ctls.pin & PIN_BASED_VIRTUAL_NMIS;
}

/* KVM's vmx_nmi_blocked(): a shadow or a running NMI handler. */
bool minikvm_nmi_allowed(struct minikvm_vcpu *vcpu)
{
	return !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
		 (GUEST_INTR_STATE_MOV_SS | GUEST_INTR_STATE_STI | GUEST_INTR_STATE_NMI));
}

bool minikvm_get_nmi_mask(struct minikvm_vcpu *vcpu)
{
	return vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & GUEST_INTR_STATE_NMI;
}

/* Blocking by NMI means something on entry only with virtual NMIs. */
void minikvm_set_nmi_mask(struct minikvm_vcpu *vcpu, bool masked)
{
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & ~GUEST_INTR_STATE_NMI;

	if (masked && vmx_has_vnmi(vcpu))
		intr |= GUEST_INTR_STATE_NMI;
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr);
}

u8 minikvm_get_interrupt_shadow(struct minikvm_vcpu *vcpu)
{
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	return (intr & GUEST_INTR_STATE_MOV_SS ? KVM_X86_SHADOW_INT_MOV_SS : 0) |
	       (intr & GUEST_INTR_STATE_STI ? KVM_X86_SHADOW_INT_STI : 0);
}

void minikvm_set_interrupt_shadow(struct minikvm_vcpu *vcpu, u8 shadow)
{
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
		   ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);

	if (shadow & KVM_X86_SHADOW_INT_MOV_SS)
		intr |= GUEST_INTR_STATE_MOV_SS;
	if (shadow & KVM_X86_SHADOW_INT_STI)
		intr |= GUEST_INTR_STATE_STI;
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr);
}

/* Back to irq/event.c: the event an exit cut short, to be injected again. */
static void vmx_requeue(struct minikvm_vcpu *vcpu, u32 idt, s8 kind, u8 vector)
{
	bool has_error = idt & VECTORING_INFO_DELIVER_CODE_MASK;

	minikvm_requeue_event(vcpu, kind, vector, has_error,
			      has_error ? vmcs_read32(IDT_VECTORING_ERROR_CODE) : 0,
			      vmx_event_types[kind].soft ? to_vmx(vcpu)->exit.instr_len : 0);
}

/* mvmx_reinject_vectoring() with virtual-interrupt delivery (see there). */
static noinline void vmx_reinject_vid(struct minikvm_vcpu *vcpu, u32 idt)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u16 status = vmcs_read16(GUEST_INTR_STATUS), entry_status = vmx->intr_status;
	bool injected = vmx->injected;
	u8 svi = status >> 8;
	s8 kind;

	vmx->intr_status = status;
	vmx->injected = false;
	if (likely(!(idt & VECTORING_INFO_VALID_MASK)))
		return;
	kind = vmx_vectoring_kinds[(idt & INTR_INFO_INTR_TYPE_MASK) >> 8];
	if (kind < 0)
		return;
	if (svi > (u8)(entry_status >> 8) ||
	    (svi && !injected && kind == MINIKVM_EVENT_INTR &&
	     (idt & VECTORING_INFO_VECTOR_MASK) == svi))
		vmx_requeue(vcpu, idt & ~VECTORING_INFO_DELIVER_CODE_MASK, MINIKVM_EVENT_INTR, svi);
	else if (injected || (kind != MINIKVM_EVENT_INTR && kind != MINIKVM_EVENT_NMI))
		vmx_requeue(vcpu, idt, kind, idt & VECTORING_INFO_VECTOR_MASK);
}

/**
 * mvmx_reinject_vectoring() - after an exit: what the entry delivered
 * @vcpu: loaded vCPU, right after an exit that was not an entry failure
 *
 * The event the entry carried counts as delivered (minikvm_complete_events())
 * unless the IDT-vectoring information says the exit cut its delivery
 * short, e.g. an EPT violation on the guest's IDT, GDT or stack: then it
 * goes back to irq/event.c with its error code, and for a soft event the
 * instruction length the exit reports, to be injected again.
 *
 * With virtual-interrupt delivery, the CPU may have been delivering a
 * virtual interrupt from RVI: it already moved the vector to the page's
 * ISR and SVI (SDM Vol. 3C, "Virtual-Interrupt Delivery"), so that one
 * goes back as an injected interrupt, not into IRR, with the vector SVI
 * names. The SDM's CPU reports it as an external interrupt with that
 * vector. Bochs does not record a virtual interrupt in the IDT-vectoring
 * field at all: it reports the last event it recorded, on any VMCS (the
 * last one injected, or the guest's last exception: vector 0 in a guest
 * that had none, the NMI of irq_split_test's previous VM, the #PF of
 * the nested Linux in the test before irq_ipi_test). So the field's
 * type and vector are not what decides: an SVI above the one the entry
 * started from says that a delivery from RVI happened in this run, and
 * the event cut short is taken to be it. Only a delivery raises SVI: the
 * vector delivered is above VPPR's class, so above SVI's; a virtualized
 * EOI (x2APIC MSRs, or the xAPIC page with virtualized APIC accesses;
 * vmx/apicv.c) lowers it, and posted-interrupt processing changes only
 * RVI. (Taking any change of the status for a delivery, as minikvm did
 * while every EOI exited, re-injected the vector still in service after
 * a virtualized EOI of a nested one.) A delivery cut short after the
 * guest EOIed a higher vector in the same run leaves SVI below where it
 * started; the SDM's CPU then names it in the field (an external
 * interrupt with SVI's vector, which minikvm did not inject: with
 * virtual-interrupt delivery it injects only ExtINT vectors, which never
 * reach the LAPIC's ISR), and that is taken too; Bochs does not, and
 * there the vector stays in ISR unhandled.
 * That holds when this entry injected an event too: the entry
 * delivers that one first, and had its delivery been cut short nothing
 * else would have run, so a raised SVI says it went in and what
 * was cut short came later. Trusting the field there (as minikvm did)
 * injected that event a second time, or the guest's last exception,
 * and left the virtual interrupt in ISR with no handler to EOI it:
 * every vector of its priority class and below stayed blocked. An SVI
 * not raised says no delivery from RVI is in doubt; then, if
 * minikvm injected nothing, an external interrupt or NMI in the field
 * can only be stale (every NMI the guest gets is injected, every host
 * interrupt exits) and is dropped, while an exception or software
 * interrupt is the guest's own and goes back. The one case this gets wrong, on the SDM's CPU too, is
 * an exception whose delivery is cut short in the handler of a virtual
 * interrupt delivered earlier in the same run: the interrupt is
 * injected again instead, and a fault comes back by itself when the
 * handler re-executes its instruction.
 */
void mvmx_reinject_vectoring(struct minikvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 idt = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	s8 kind;

	minikvm_complete_events(vcpu);
	/* Out of line: a vCPU without it pays one test per exit. */
	if (unlikely(vmx->ctls.proc2 & SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY)) {
		vmx_reinject_vid(vcpu, idt);
		return;
	}
	if (likely(!(idt & VECTORING_INFO_VALID_MASK)))
		return;
	kind = vmx_vectoring_kinds[(idt & INTR_INFO_INTR_TYPE_MASK) >> 8];
	if (kind >= 0)
		vmx_requeue(vcpu, idt, kind, idt & VECTORING_INFO_VECTOR_MASK);
}
