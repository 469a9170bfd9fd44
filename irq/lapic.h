/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel LAPIC (irq/lapic*.c, irq/posted.c), one per vCPU when
 * vm->irqchip_mode is not NONE (irq/irqchip.h).
 *
 * Who touches what:
 *  - regs, the register page, is the vCPU thread's alone (vcpu->mutex
 *    held: guest accesses, KVM_GET/SET_LAPIC, injection), except the TMR
 *    bits a sender sets atomically when it accepts a level interrupt;
 *    with APIC virtualization it is also the virtual-APIC page, which
 *    the CPU writes while this vCPU is in guest mode (TPR, PPR, and with
 *    virtual-interrupt delivery IRR and ISR), never while the vCPU
 *    thread is outside it (vmx/apicv.c);
 *  - pi, the posted-interrupt descriptor, and pending_events are where
 *    any other thread (another vCPU's ICR write, the hrtimer, a device)
 *    leaves an interrupt, INIT, SIPI or NMI, with atomic operations;
 *    irq/posted.c says why none is lost.
 */
#ifndef MINIKVM_IRQ_LAPIC_H
#define MINIKVM_IRQ_LAPIC_H

#include <linux/hrtimer.h>
#include <linux/types.h>
#include <asm/apicdef.h>

#include "core/minikvm.h"
#include "irq/irqchip.h"

/*
 * The posted-interrupt descriptor (SDM Vol. 3C, "Posted-Interrupt
 * Processing"): 256 request bits, then the outstanding-notification
 * bit. minikvm's own layout of the SDM's, 64 bytes, 64-byte aligned, so
 * that with MINIKVM_APICV_POSTED the CPU reads the same descriptor
 * (POSTED_INTR_DESC_ADDR, vmx/apicv.c). The CPU uses only PIR and ON;
 * the fields after ON are VT-d's and stay 0.
 */
struct minikvm_pi_desc {
	unsigned long pir[256 / BITS_PER_LONG];
	unsigned long control;		/* bit MINIKVM_PI_ON */
	unsigned long rsvd[3];
} __aligned(64);
#define MINIKVM_PI_ON	0
static_assert(sizeof(struct minikvm_pi_desc) == 64);

/*
 * lapic->pending_events bits: INIT and SIPI wait here for the vCPU, and
 * TIMER_EARLY says the TSC-deadline hrtimer fired its advance ahead of
 * the deadline (irq/lapic_timer.c).
 */
enum {
	MINIKVM_APIC_INIT,
	MINIKVM_APIC_SIPI,
	MINIKVM_APIC_TIMER_EARLY,
};

/* The register page: KVM's layout, its first KVM_APIC_REG_SIZE bytes are kvm_lapic_state. */
struct minikvm_lapic {
	struct minikvm_vcpu *vcpu;
	void *regs;			/* one page */
	struct minikvm_pi_desc *pi;
	unsigned long pending_events;
	u8 sipi_vector;
	atomic_t nmi_posted;		/* NMIs sent by others, not yet in nmi_queued */
	int pending_extint;		/* split irqchip: KVM_INTERRUPT's vector, or -1 */
	u32 divide;			/* timer divisor: 1 .. 128 */
	u32 timer_mode;			/* LVTT's mode bits the timer runs in */
	struct hrtimer timer;
	u64 period_ns;			/* periodic/one-shot: length of one count */
	ktime_t target;			/* when the running count reaches 0 */
	u64 tsc_deadline;		/* IA32_TSC_DEADLINE */
	u32 timer_advance_ns;		/* TSC-deadline hrtimer fires this early */
};

#define LAPIC_MMIO_LEN		4096
/* LVT timer bits 18:17: one-shot, periodic, TSC-deadline. */
#define LAPIC_LVT_TIMER_MODE	(3 << 17)
/* KVM's APIC_VERSION: an integrated APIC of version 14h. */
#define LAPIC_VERSION		0x14
#define LAPIC_NR_LVT		6	/* timer, thermal, perf, LINT0, LINT1, error */

static inline u32 lapic_get_reg(struct minikvm_lapic *apic, u32 reg)
{
	return *(u32 *)(apic->regs + reg);
}

static inline void lapic_set_reg(struct minikvm_lapic *apic, u32 reg, u32 val)
{
	*(u32 *)(apic->regs + reg) = val;
}

/* A 256-bit register (ISR, TMR, IRR): vector @v's 32-bit word and bit. */
#define LAPIC_VEC_WORD(v)	(((v) >> 5) << 4)
#define LAPIC_VEC_BIT(v)	((v) & 31)

static inline bool lapic_test_vec(struct minikvm_lapic *apic, u32 reg, u8 v)
{
	return lapic_get_reg(apic, reg + LAPIC_VEC_WORD(v)) & BIT(LAPIC_VEC_BIT(v));
}

static inline bool lapic_x2apic_mode(struct minikvm_lapic *apic)
{
	return apic->vcpu->msr_apic_base & X2APIC_ENABLE;
}

static inline bool lapic_hw_enabled(struct minikvm_lapic *apic)
{
	return apic->vcpu->msr_apic_base & MSR_IA32_APICBASE_ENABLE;
}

static inline bool lapic_sw_enabled(struct minikvm_lapic *apic)
{
	return lapic_get_reg(apic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED;
}

static inline bool lapic_enabled(struct minikvm_lapic *apic)
{
	return lapic_hw_enabled(apic) && lapic_sw_enabled(apic);
}

static inline u32 lapic_id(struct minikvm_lapic *apic)
{
	u32 id = lapic_get_reg(apic, APIC_ID);

	return lapic_x2apic_mode(apic) ? id : id >> 24;
}

/* irq/lapic_regs.c */
int minikvm_lapic_reg_read(struct minikvm_lapic *apic, u32 reg, u32 *val);
int minikvm_lapic_reg_write(struct minikvm_lapic *apic, u32 reg, u32 val);
void minikvm_lapic_set_lvt_masked(struct minikvm_lapic *apic);
u32 minikvm_lapic_ppr(struct minikvm_lapic *apic);
extern const struct minikvm_io_ops minikvm_lapic_mmio_ops;

/* irq/lapic_deliver.c */
void minikvm_lapic_send_ipi(struct minikvm_lapic *apic, u32 icr_low, u32 icr_high);
void minikvm_lapic_eoi(struct minikvm_lapic *apic);

/* irq/posted.c */
void minikvm_lapic_post(struct minikvm_lapic *apic, u8 vector);
void minikvm_lapic_fold_pir(struct minikvm_lapic *apic);
int minikvm_lapic_highest_irr(struct minikvm_lapic *apic);
int minikvm_lapic_highest_isr(struct minikvm_lapic *apic);

/* irq/lapic_timer.c */
void minikvm_lapic_timer_init(struct minikvm_lapic *apic);
void minikvm_lapic_timer_cancel(struct minikvm_lapic *apic);
void minikvm_lapic_timer_start(struct minikvm_lapic *apic);
void minikvm_lapic_timer_restore(struct minikvm_lapic *apic, u32 tmcct);
void minikvm_lapic_timer_set_divide(struct minikvm_lapic *apic, u32 tdcr);
void minikvm_lapic_timer_lvtt_written(struct minikvm_lapic *apic);
u32 minikvm_lapic_timer_current(struct minikvm_lapic *apic);
bool minikvm_lapic_timer_tscdeadline_mode(struct minikvm_lapic *apic);
void minikvm_lapic_timer_expire_early(struct minikvm_lapic *apic);

#endif /* MINIKVM_IRQ_LAPIC_H */
