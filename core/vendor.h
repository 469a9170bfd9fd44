/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a CPU vendor implements: the only way core/ and mmu/ reach the
 * hardware-specific layer (today vmx/, Intel VT-x). Nothing here names a
 * VMCS field; a second vendor would implement the same list.
 *
 * Two kinds of entry:
 *  - the lifecycle of VMX operation, VMs and vCPUs, which core/ drives;
 *  - accessors for guest state, shaped like KVM's (kvm_register_read(),
 *    kvm_rip_read(), kvm_read_cr0(), ...) with the prefix minikvm_.
 *
 * Environment: the accessors need the vCPU loaded (its state may live in
 * the CPU), like every vCPU ioctl and the exit path.
 */
#ifndef MINIKVM_CORE_VENDOR_H
#define MINIKVM_CORE_VENDOR_H

#include <linux/kvm.h>
#include <linux/types.h>

struct minikvm_vcpu;
struct minikvm_vm;

/* Module load and unload, VMX operation for the lifetime of VMs (vmx/vmxon.c). */
int mvmx_probe(void);
int mvmx_setup_config(void);
int mvmx_hardware_setup(void);
void mvmx_hardware_unsetup(void);
int mvmx_vm_get(void);
void mvmx_vm_put(void);
long mvmx_get_info(void __user *argp);	/* MINIKVM_GET_VMX_INFO */

/*
 * A vCPU: the vendor's structure embeds struct minikvm_vcpu at offset 0,
 * so core/ allocates mvmx_vcpu_size bytes and frees them with kfree().
 */
extern const size_t mvmx_vcpu_size;
int mvmx_vcpu_create(struct minikvm_vcpu *vcpu);
void mvmx_vcpu_free(struct minikvm_vcpu *vcpu);
void mvmx_vcpu_load(struct minikvm_vcpu *vcpu);
void mvmx_vcpu_put(struct minikvm_vcpu *vcpu);
int mvmx_vcpu_run(struct minikvm_vcpu *vcpu);

/* The guest MSR model, shared by RDMSR/WRMSR and the ioctls (vmx/exit_msr.c). */
int mvmx_get_msr(struct minikvm_vcpu *vcpu, u32 index, u64 *data, bool host);
int mvmx_set_msr(struct minikvm_vcpu *vcpu, u32 index, u64 data, bool host);
long minikvm_get_msr_index_list(struct kvm_msr_list __user *ulist);
long minikvm_get_msr_feature_index_list(struct kvm_msr_list __user *ulist);
long minikvm_get_msr_features(struct kvm_msrs __user *umsrs);

/* The register state that only the vendor holds (vmx/vcpu_state.c). */
void mvmx_get_sregs(struct minikvm_vcpu *vcpu, struct kvm_sregs *sregs);
int mvmx_set_sregs(struct minikvm_vcpu *vcpu, const struct kvm_sregs *sregs);

/* Guest registers, __VCPU_REGS_* numbering, RSP included (vmx/regs.c). */
unsigned long minikvm_register_read(struct minikvm_vcpu *vcpu, unsigned int reg);
void minikvm_register_write(struct minikvm_vcpu *vcpu, unsigned int reg, unsigned long val);
unsigned long minikvm_rip_read(struct minikvm_vcpu *vcpu);
void minikvm_rip_write(struct minikvm_vcpu *vcpu, unsigned long rip);
unsigned long minikvm_get_rflags(struct minikvm_vcpu *vcpu);
void minikvm_set_rflags(struct minikvm_vcpu *vcpu, unsigned long rflags);

/* The TSC offset the CPU applies in guest mode (core/tsc.c keeps the policy). */
void minikvm_write_tsc_offset(struct minikvm_vcpu *vcpu, u64 offset);

/* DR7 lives in the vendor's state (DR0-3 and DR6 in struct minikvm_vcpu). */
unsigned long minikvm_get_dr7(struct minikvm_vcpu *vcpu);
void minikvm_set_dr7(struct minikvm_vcpu *vcpu, unsigned long dr7);

/* RIP past the instruction that exited. */
void minikvm_skip_emulated_instruction(struct minikvm_vcpu *vcpu);
/* RIP past an instruction of @len bytes that minikvm emulated itself. */
void minikvm_advance_rip(struct minikvm_vcpu *vcpu, unsigned int len);

/* The mode code runs in: 16, 32 or 64 (bits of the default operand/address). */
unsigned int minikvm_code_mode(struct minikvm_vcpu *vcpu);
unsigned int minikvm_get_cpl(struct minikvm_vcpu *vcpu);
/* @seg: VCPU_SREG_* of <asm/kvm_host.h>. */
unsigned long minikvm_get_segment_base(struct minikvm_vcpu *vcpu, unsigned int seg);
/* IF set and no STI/MOV SS shadow: an external interrupt may go in now. */
bool minikvm_interrupt_allowed(struct minikvm_vcpu *vcpu);

/*
 * Event injection (vmx/event_inject.c), the mechanism under the policy of
 * irq/event.c. The kinds are the interruption types of event injection
 * without naming the vendor's encoding.
 */
enum minikvm_event_kind {
	MINIKVM_EVENT_EXCEPTION,	/* hardware exception */
	MINIKVM_EVENT_SOFT_EXCEPTION,	/* INT3, INTO: delivered past the instruction */
	MINIKVM_EVENT_NMI,
	MINIKVM_EVENT_INTR,		/* external interrupt */
	MINIKVM_EVENT_SOFT_INTR,	/* INTn */
	MINIKVM_EVENT_KINDS,
};

enum minikvm_window {
	MINIKVM_WINDOW_IRQ,		/* exit as soon as an interrupt could go in */
	MINIKVM_WINDOW_NMI,		/* exit as soon as an NMI could go in */
};

/* Deliver this event with the next entry; @insn_len for soft events. IRQs off. */
void minikvm_inject_event(struct minikvm_vcpu *vcpu, enum minikvm_event_kind kind, u8 vector,
			  bool has_error, u32 error, u8 insn_len);
/* Nothing goes in with the next entry (after a failed entry). */
void minikvm_cancel_injection(struct minikvm_vcpu *vcpu);
void minikvm_enable_window(struct minikvm_vcpu *vcpu, enum minikvm_window window);
/* Exit right after the next entry has delivered its event. IRQs off. */
void minikvm_request_immediate_exit(struct minikvm_vcpu *vcpu);
/* Blocking by NMI (the guest runs its NMI handler), and STI/MOV SS shadows. */
bool minikvm_nmi_allowed(struct minikvm_vcpu *vcpu);
bool minikvm_get_nmi_mask(struct minikvm_vcpu *vcpu);
void minikvm_set_nmi_mask(struct minikvm_vcpu *vcpu, bool masked);
/* KVM_X86_SHADOW_INT_* bits. */
u8 minikvm_get_interrupt_shadow(struct minikvm_vcpu *vcpu);
void minikvm_set_interrupt_shadow(struct minikvm_vcpu *vcpu, u8 shadow);

/* Control registers as the guest sees them; the PDPTEs the CPU loaded. */
unsigned long minikvm_read_cr0(struct minikvm_vcpu *vcpu);
unsigned long minikvm_read_cr3(struct minikvm_vcpu *vcpu);
unsigned long minikvm_read_cr4(struct minikvm_vcpu *vcpu);
u64 minikvm_pdptr_read(struct minikvm_vcpu *vcpu, unsigned int index);
bool minikvm_is_long_mode(struct minikvm_vcpu *vcpu);

/*
 * The exit being handled, in the layout of KVM's get_exit_info(): reason,
 * two words of detail, the event being delivered and its error code.
 */
void minikvm_get_exit_info(struct minikvm_vcpu *vcpu, u64 *reason, u64 *info1, u64 *info2,
			   u32 *intr_info, u32 *error_code);
/*
 * The exit happened while the CPU delivered an event (an exception or
 * interrupt whose IDT entry, GDT entry or stack frame the guest put where
 * the exit came from), not while the instruction at RIP ran.
 */
bool minikvm_exit_during_event_delivery(struct minikvm_vcpu *vcpu);
/* End KVM_RUN with KVM_EXIT_INTERNAL_ERROR; returns EXIT_TO_USER. */
int minikvm_internal_error(struct minikvm_vcpu *vcpu, u32 suberror);

/*
 * INIT and SIPI (irq/posted.c): the vCPU's state after INIT (KVM's
 * kvm_vcpu_reset() with init_event: as at power-on, but IA32_APIC_BASE,
 * CR0.CD/NW and the MSRs stay), and the start of an AP at a SIPI's
 * vector: CS = vector << 8, base vector << 12, IP 0.
 */
void minikvm_vcpu_init_reset(struct minikvm_vcpu *vcpu);
void minikvm_vcpu_start_at(struct minikvm_vcpu *vcpu, u8 vector);

/*
 * APIC virtualization (vmx/apicv.c): a vCPU's in-kernel LAPIC was made,
 * @regs its register page, @pi_desc its posted-interrupt descriptor,
 * @access_page the VM's APIC-access page; then the TPR threshold, a priority class (0 for none) under which a
 * guest TPR write must exit. IRQs off.
 */
void mvmx_vcpu_apic_create(struct minikvm_vcpu *vcpu, void *regs, void *pi_desc,
			   struct page *access_page);
void minikvm_set_tpr_threshold(struct minikvm_vcpu *vcpu, u8 class);
/* With virtual-interrupt delivery (vm->apicv): RVI, SVI, EOI-exit bitmap. IRQs off. */
void minikvm_set_virtual_interrupts(struct minikvm_vcpu *vcpu, u8 rvi, u8 svi,
				    const u64 eoi_exit[4]);
/* IA32_APIC_BASE changed: enable, x2APIC or base (irq/lapic.c). */
void mvmx_apic_mode_changed(struct minikvm_vcpu *vcpu);

/* Drop this CPU's cached guest translations made through the root @root. */
void minikvm_flush_guest_tlb(u64 root);

#endif /* MINIKVM_CORE_VENDOR_H */
