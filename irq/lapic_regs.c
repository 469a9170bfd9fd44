// SPDX-License-Identifier: GPL-2.0
/*
 * LAPIC registers as the guest reads and writes them: through the xAPIC
 * page (MMIO, the in-kernel I/O bus) or, in x2APIC mode, through MSRs
 * 800h-8ffh. The rules are the SDM's (Vol. 3A, "Local APIC Register
 * Address Map" and "x2APIC Register Address Space") as KVM's
 * kvm_lapic_reg_read()/kvm_lapic_reg_write() apply them: a reserved
 * register reads as an error (#GP in x2APIC mode, ignored in xAPIC mode),
 * LVT writes keep only their defined bits and stay masked while the APIC
 * is software-disabled.
 *
 * Environment: the vCPU thread, vcpu->mutex held.
 */
#include <linux/kernel.h>
#include <linux/nospec.h>

#include "core/request.h"
#include "core/trace.h"
#include "irq/apic.h"
#include "irq/lapic.h"

#define LVT_MASK	(APIC_LVT_MASKED | APIC_SEND_PENDING | APIC_VECTOR_MASK)
#define LINT_MASK	(LVT_MASK | APIC_MODE_MASK | APIC_INPUT_POLARITY | \
			 APIC_LVT_REMOTE_IRR | APIC_LVT_LEVEL_TRIGGER)

/* The bits each LVT keeps, by (register - APIC_LVTT) >> 4. */
static const u32 lapic_lvt_bits[LAPIC_NR_LVT] = {
	LVT_MASK,			/* timer: mode bits added per CPUID */
	LVT_MASK | APIC_MODE_MASK,	/* thermal */
	LVT_MASK | APIC_MODE_MASK,	/* performance counters */
	LINT_MASK,			/* LINT0 */
	LINT_MASK,			/* LINT1 */
	LVT_MASK,			/* error */
};

#define REG_BIT(reg)	BIT_ULL((reg) >> 4)
#define REGS_BITS(first, n)	(REG_BIT(first) * (BIT_ULL(n) - 1))

/* The registers a read may name; ARBPRI and ICR2 only in xAPIC mode. */
static const u64 lapic_readable =
	REG_BIT(APIC_ID) | REG_BIT(APIC_LVR) | REG_BIT(APIC_TASKPRI) |
	REG_BIT(APIC_PROCPRI) | REG_BIT(APIC_LDR) | REG_BIT(APIC_DFR) |
	REG_BIT(APIC_SPIV) | REGS_BITS(APIC_ISR, 8) | REGS_BITS(APIC_TMR, 8) |
	REGS_BITS(APIC_IRR, 8) | REG_BIT(APIC_ESR) | REG_BIT(APIC_ICR) |
	REG_BIT(APIC_LVTT) | REG_BIT(APIC_LVTTHMR) | REG_BIT(APIC_LVTPC) |
	REG_BIT(APIC_LVT0) | REG_BIT(APIC_LVT1) | REG_BIT(APIC_LVTERR) |
	REG_BIT(APIC_TMICT) | REG_BIT(APIC_TMCCT) | REG_BIT(APIC_TDCR);

/* SDM Vol. 3A, "Processor Priority Register (PPR)". */
u32 minikvm_lapic_ppr(struct minikvm_lapic *apic)
{
	u32 tpr = lapic_get_reg(apic, APIC_TASKPRI);
	int isr = minikvm_lapic_highest_isr(apic);
	u32 isrv = isr < 0 ? 0 : isr & 0xf0;
	u32 ppr = (tpr & 0xf0) >= isrv ? tpr & 0xff : isrv;

	lapic_set_reg(apic, APIC_PROCPRI, ppr);
	return ppr;
}

/**
 * minikvm_lapic_reg_read() - a 32-bit register read
 * @apic: the LAPIC
 * @reg: register offset, 16-byte aligned
 * @val: the value
 *
 * Return: 0, or 1 for a reserved register.
 */
int minikvm_lapic_reg_read(struct minikvm_lapic *apic, u32 reg, u32 *val)
{
	u64 ok = lapic_readable;

	if (!lapic_x2apic_mode(apic))
		ok |= REG_BIT(APIC_ARBPRI) | REG_BIT(APIC_ICR2);
	if (reg > 0x3f0 || !(ok & REG_BIT(reg)))
		return 1;
	switch (reg) {
	case APIC_ARBPRI:
		*val = 0;
		break;
	case APIC_TMCCT:
		*val = minikvm_lapic_timer_current(apic);
		break;
	case APIC_PROCPRI:
		*val = minikvm_lapic_ppr(apic);
		break;
	default:
		*val = lapic_get_reg(apic, reg);
	}
	trace_minikvm_apic_access(apic->vcpu, reg, *val, false);
	return 0;
}

/* SVR clear: every LVT masked (SDM Vol. 3A, "Software Enabling and Disabling"). */
void minikvm_lapic_set_lvt_masked(struct minikvm_lapic *apic)
{
	int i;

	for (i = 0; i < LAPIC_NR_LVT; i++)
		lapic_set_reg(apic, APIC_LVTT + 0x10 * i,
			      lapic_get_reg(apic, APIC_LVTT + 0x10 * i) | APIC_LVT_MASKED);
}

static u32 lapic_lvt_keep(struct minikvm_lapic *apic, u32 reg)
{
	u32 bits = lapic_lvt_bits[array_index_nospec((reg - APIC_LVTT) >> 4, LAPIC_NR_LVT)];

	if (reg == APIC_LVTT)
		bits |= minikvm_cpuid_has(apic->vcpu, 1, CPUID_ECX, X86_FEATURE_TSC_DEADLINE_TIMER) ?
			APIC_LVT_TIMER_PERIODIC | APIC_LVT_TIMER_TSCDEADLINE :
			APIC_LVT_TIMER_PERIODIC;
	return bits;
}

static void lapic_write_spiv(struct minikvm_lapic *apic, u32 val)
{
	u32 mask = 0x3ff;

	if (lapic_get_reg(apic, APIC_LVR) & APIC_LVR_DIRECTED_EOI)
		mask |= APIC_SPIV_DIRECTED_EOI;
	lapic_set_reg(apic, APIC_SPIV, val & mask);
	if (!(val & APIC_SPIV_APIC_ENABLED)) {
		minikvm_lapic_set_lvt_masked(apic);
		minikvm_lapic_timer_lvtt_written(apic);
	}
}

/**
 * minikvm_lapic_reg_write() - a 32-bit register write
 * @apic: the LAPIC
 * @reg: register offset, 16-byte aligned
 * @val: the value
 *
 * Return: 0, or 1 for a register that cannot be written in this mode.
 */
int minikvm_lapic_reg_write(struct minikvm_lapic *apic, u32 reg, u32 val)
{
	bool x2 = lapic_x2apic_mode(apic);

	trace_minikvm_apic_access(apic->vcpu, reg, val, true);
	switch (reg) {
	case APIC_ID:
		if (x2)
			return 1;
		lapic_set_reg(apic, APIC_ID, val & 0xff000000);
		break;
	case APIC_TASKPRI:
		lapic_set_reg(apic, APIC_TASKPRI, val & 0xff);
		minikvm_lapic_ppr(apic);
		minikvm_make_request(MINIKVM_REQ_EVENT, apic->vcpu);
		break;
	case APIC_EOI:
		minikvm_lapic_eoi(apic);
		break;
	case APIC_LDR:
		if (x2)
			return 1;
		lapic_set_reg(apic, APIC_LDR, val & APIC_LDR_MASK);
		break;
	case APIC_DFR:
		if (x2)
			return 1;
		lapic_set_reg(apic, APIC_DFR, val | 0x0fffffff);
		break;
	case APIC_SPIV:
		lapic_write_spiv(apic, val);
		break;
	case APIC_ICR:
		if (x2)
			return 1;
		val &= ~APIC_ICR_BUSY;
		minikvm_lapic_send_ipi(apic, val, lapic_get_reg(apic, APIC_ICR2) >> 24);
		lapic_set_reg(apic, APIC_ICR, val);
		break;
	case APIC_ICR2:
		if (x2)
			return 1;
		lapic_set_reg(apic, APIC_ICR2, val & 0xff000000);
		break;
	case APIC_LVTTHMR:
	case APIC_LVTPC:
	case APIC_LVT0:
	case APIC_LVT1:
	case APIC_LVTERR:
	case APIC_LVTT:
		if (!lapic_sw_enabled(apic))
			val |= APIC_LVT_MASKED;
		lapic_set_reg(apic, reg, val & lapic_lvt_keep(apic, reg));
		if (reg == APIC_LVTT)
			minikvm_lapic_timer_lvtt_written(apic);
		break;
	case APIC_TMICT:
		if (minikvm_lapic_timer_tscdeadline_mode(apic))
			break;
		minikvm_lapic_timer_cancel(apic);
		lapic_set_reg(apic, APIC_TMICT, val);
		minikvm_lapic_timer_start(apic);
		break;
	case APIC_TDCR:
		minikvm_lapic_timer_set_divide(apic, val & 0xb);
		break;
	case APIC_ESR:
		if (x2 && val)
			return 1;
		break;
	case APIC_SELF_IPI:
		if (!x2 || (val & ~APIC_VECTOR_MASK))
			return 1;
		minikvm_lapic_send_ipi(apic, APIC_DEST_SELF | val, 0);
		break;
	default:
		return 1;
	}
	return 0;
}

/**
 * minikvm_lapic_write_trap() - a write the CPU already made to the page
 * @vcpu: the vCPU, its LAPIC in xAPIC mode
 * @reg: register offset, 16-byte aligned
 *
 * With virtualized APIC accesses, an aligned 32-bit guest write to a
 * register whose write has effects (ID, LDR, DFR, SVR, ESR, ICR, the
 * LVTs, the timer's counts) lands in the register page first, then exits
 * (trap-like, the guest past the instruction; SDM Vol. 3C, "APIC-Write
 * Emulation"). The value is taken from the page and written as the MMIO
 * path writes it, which stores what the register really holds: masked,
 * or with ESR, whose write only rearms its latch, 0 (minikvm records no
 * APIC errors), and with TMICT in TSC-deadline mode, where the write is
 * ignored, 0.
 */
void minikvm_lapic_write_trap(struct minikvm_vcpu *vcpu, u32 reg)
{
	struct minikvm_lapic *apic = vcpu->apic;
	u32 val;

	if (!apic || reg > 0x3f0)
		return;
	val = lapic_get_reg(apic, reg);
	if (reg == APIC_ESR ||
	    (reg == APIC_TMICT && minikvm_lapic_timer_tscdeadline_mode(apic)))
		lapic_set_reg(apic, reg, 0);
	minikvm_lapic_reg_write(apic, reg, val);
}

/*
 * The xAPIC page on the in-kernel MMIO bus: one device at the default
 * base for the whole VM; each access is the accessing vCPU's own LAPIC.
 * An APIC moved elsewhere, or off, or in x2APIC mode, does not answer
 * here. KVM's default KVM_X86_QUIRK_LAPIC_MMIO_HOLE makes the page of a
 * disabled or x2APIC-mode APIC read all ones and drop writes: so here.
 */
static struct minikvm_lapic *lapic_mmio_target(struct minikvm_vcpu *vcpu, u64 addr)
{
	struct minikvm_lapic *apic = vcpu->apic;
	u64 base;

	if (!apic)
		return NULL;
	base = vcpu->msr_apic_base & MSR_IA32_APICBASE_BASE;
	if (addr < base || addr >= base + LAPIC_MMIO_LEN)
		return NULL;
	return apic;
}

static int lapic_mmio_read(struct minikvm_vcpu *vcpu, struct minikvm_io_device *dev, u64 addr,
			   unsigned int len, void *val)
{
	struct minikvm_lapic *apic = lapic_mmio_target(vcpu, addr);
	u32 off, reg, v = 0;

	if (!apic)
		return -EOPNOTSUPP;
	if (!lapic_hw_enabled(apic) || lapic_x2apic_mode(apic)) {
		memset(val, 0xff, len);
		return 0;
	}
	off = addr & (LAPIC_MMIO_LEN - 1);
	reg = off & ~0xf;
	memset(val, 0, len);
	/* Within one 32-bit register, 1, 2 or 4 bytes; anything else reads 0. */
	if ((off & 0xf) + len > 4 || minikvm_lapic_reg_read(apic, reg, &v))
		return 0;
	memcpy(val, (u8 *)&v + (off & 0xf), len);
	return 0;
}

static int lapic_mmio_write(struct minikvm_vcpu *vcpu, struct minikvm_io_device *dev, u64 addr,
			    unsigned int len, const void *val)
{
	struct minikvm_lapic *apic = lapic_mmio_target(vcpu, addr);
	u32 off, v;

	if (!apic)
		return -EOPNOTSUPP;
	if (!lapic_hw_enabled(apic) || lapic_x2apic_mode(apic))
		return 0;
	off = addr & (LAPIC_MMIO_LEN - 1);
	/* SDM Vol. 3A, "Local APIC Register Address Map": aligned 32-bit only. */
	if (len != 4 || (off & 0xf))
		return 0;
	memcpy(&v, val, 4);
	minikvm_lapic_reg_write(apic, off & 0xff0, v);
	return 0;
}

const struct minikvm_io_ops minikvm_lapic_mmio_ops = {
	.read = lapic_mmio_read,
	.write = lapic_mmio_write,
};

/**
 * minikvm_x2apic_msr_read() - RDMSR of 800h-8ffh
 * @vcpu: the vCPU
 * @msr: the MSR
 * @data: its value
 *
 * Return: 0, or 1 (#GP) without an in-kernel LAPIC in x2APIC mode, for
 * DFR, or for a reserved register, as KVM's kvm_x2apic_msr_read().
 */
int minikvm_x2apic_msr_read(struct minikvm_vcpu *vcpu, u32 msr, u64 *data)
{
	struct minikvm_lapic *apic = vcpu->apic;
	u32 reg = (msr - APIC_BASE_MSR) << 4, low;

	if (!apic || !lapic_x2apic_mode(apic) || reg == APIC_DFR)
		return 1;
	if (reg == APIC_ICR) {
		*data = lapic_get_reg(apic, APIC_ICR) |
			(u64)lapic_get_reg(apic, APIC_ICR + 4) << 32;
		return 0;
	}
	if (minikvm_lapic_reg_read(apic, reg, &low))
		return 1;
	*data = low;
	return 0;
}

/* WRMSR of 800h-8ffh: ICR is 64 bits wide, every other register 32. */
int minikvm_x2apic_msr_write(struct minikvm_vcpu *vcpu, u32 msr, u64 data)
{
	struct minikvm_lapic *apic = vcpu->apic;
	u32 reg = (msr - APIC_BASE_MSR) << 4;

	if (!apic || !lapic_x2apic_mode(apic))
		return 1;
	if (reg == APIC_ICR) {
		data &= ~(u64)APIC_ICR_BUSY;
		minikvm_lapic_send_ipi(apic, (u32)data, data >> 32);
		lapic_set_reg(apic, APIC_ICR, (u32)data);
		lapic_set_reg(apic, APIC_ICR + 4, data >> 32);
		return 0;
	}
	if (data >> 32)
		return 1;
	return minikvm_lapic_reg_write(apic, reg, data);
}
