/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What core/ and vmx/ call of the in-kernel LAPIC (irq/lapic*.c,
 * irq/posted.c). Every call is a no-op or the no-LAPIC answer when
 * vcpu->apic is NULL (vm->irqchip_mode NONE).
 */
#ifndef MINIKVM_IRQ_APIC_H
#define MINIKVM_IRQ_APIC_H

#include <linux/types.h>
#include <asm/irq_vectors.h>

#include "core/minikvm.h"
#include "core/request.h"

/* vcpu->mode, KVM's vcpu->mode: may a kick find the vCPU in the guest? */
enum minikvm_vcpu_mode {
	MINIKVM_OUTSIDE_GUEST,
	MINIKVM_IN_GUEST,
	MINIKVM_EXITING_GUEST,
};

/*
 * The host vector that tells a CPU in guest mode to process the posted
 * interrupts (irq/posted.c sends it, vmx/apicv.c names it in the VMCS):
 * the kernel's own POSTED_INTR_VECTOR, whose handler only acknowledges
 * it, and not the wakeup vector next to it, whose handler kvm_intel
 * owns. A kernel without KVM support has neither, and the CPU's
 * posted-interrupt processing stays off (vmx_setup_apicv()).
 */
#ifdef CONFIG_HAVE_KVM
#define MINIKVM_PI_NOTIFY_VECTOR	POSTED_INTR_VECTOR
#else
#define MINIKVM_PI_NOTIFY_VECTOR	0
#endif

int minikvm_lapic_create(struct minikvm_vcpu *vcpu);
void minikvm_lapic_free(struct minikvm_vcpu *vcpu);
void minikvm_lapic_vm_destroy(struct minikvm_vm *vm);
void minikvm_lapic_write_trap(struct minikvm_vcpu *vcpu, u32 reg);
void minikvm_lapic_reset(struct minikvm_vcpu *vcpu, bool init);
void minikvm_lapic_cpuid_changed(struct minikvm_vcpu *vcpu);

int minikvm_set_apic_base(struct minikvm_vcpu *vcpu, u64 data, bool host);
int minikvm_x2apic_msr_read(struct minikvm_vcpu *vcpu, u32 msr, u64 *data);
int minikvm_x2apic_msr_write(struct minikvm_vcpu *vcpu, u32 msr, u64 data);
u64 minikvm_get_tsc_deadline(struct minikvm_vcpu *vcpu);
void minikvm_set_tsc_deadline(struct minikvm_vcpu *vcpu, u64 data);
u64 minikvm_get_cr8(struct minikvm_vcpu *vcpu);
void minikvm_set_cr8(struct minikvm_vcpu *vcpu, u64 cr8);

/* Before each entry, IRQs off (irq/event.c). */
void minikvm_lapic_sync(struct minikvm_vcpu *vcpu);
void minikvm_lapic_inject(struct minikvm_vcpu *vcpu, bool busy);
bool minikvm_lapic_extint_pending(struct minikvm_vcpu *vcpu);
bool minikvm_lapic_has_interrupt(struct minikvm_vcpu *vcpu);
bool minikvm_lapic_ready_for_extint(struct minikvm_vcpu *vcpu);
void minikvm_lapic_update_apicv(struct minikvm_vcpu *vcpu);
int minikvm_lapic_interrupt(struct minikvm_vcpu *vcpu, u32 vector);
void minikvm_lapic_post_nmi(struct minikvm_vcpu *vcpu);
/* The rest of an EOI the CPU virtualized (EOI-induced exit). */
void minikvm_lapic_eoi_induced(struct minikvm_vcpu *vcpu, u8 vec);

/* The run loop (vmx/run.c), process context. */
int minikvm_vcpu_block(struct minikvm_vcpu *vcpu);
bool minikvm_vcpu_runnable(struct minikvm_vcpu *vcpu);
void minikvm_vcpu_kick(struct minikvm_vcpu *vcpu);
int minikvm_lapic_halt(struct minikvm_vcpu *vcpu);
int minikvm_lapic_accept_events(struct minikvm_vcpu *vcpu);
void minikvm_lapic_sipi_pending(struct minikvm_vcpu *vcpu);
bool __minikvm_ioapic_eoi_exit(struct minikvm_vcpu *vcpu);
bool __minikvm_lapic_events_pending(struct minikvm_vcpu *vcpu);
bool __minikvm_vcpu_ready_to_enter(struct minikvm_vcpu *vcpu);

/*
 * The run loop's checks on every entry and exit: inline, so that an exit
 * with nothing to do pays a test each, not a call (make bench-compare).
 */

/* An EOI for the userspace IOAPIC waits: KVM_EXIT_IOAPIC_EOI (posted.c). */
static inline bool minikvm_ioapic_eoi_exit(struct minikvm_vcpu *vcpu)
{
	if (likely(!test_bit(MINIKVM_REQ_IOAPIC_EOI_EXIT, &vcpu->requests)))
		return false;
	return __minikvm_ioapic_eoi_exit(vcpu);
}

/* INIT, SIPI or an early timer waits: no entry before it is taken. */
static inline bool minikvm_lapic_events_pending(struct minikvm_vcpu *vcpu)
{
	return vcpu->apic && __minikvm_lapic_events_pending(vcpu);
}

/* May the vCPU enter now? Blocks a halted one (posted.c). */
static inline bool minikvm_vcpu_ready_to_enter(struct minikvm_vcpu *vcpu)
{
	if (!vcpu->apic)
		return true;
	return __minikvm_vcpu_ready_to_enter(vcpu);
}

long minikvm_lapic_ioctl(struct minikvm_vcpu *vcpu, unsigned int ioctl, void __user *argp);

#endif /* MINIKVM_IRQ_APIC_H */
