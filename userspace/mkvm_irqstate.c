// SPDX-License-Identifier: GPL-2.0
/*
 * Where every interrupt stood when mkvm stopped: printed on stderr after
 * the vCPU threads are joined, when a signal stopped mkvm (a guest that
 * hangs is stopped that way) or with --stats. For each vCPU its MP state,
 * RIP and RFLAGS.IF, the event KVM_GET_VCPU_EVENTS holds, and its LAPIC
 * (TPR, PPR, SVR, LVT0, the timer, and the vectors in IRR, ISR and TMR);
 * then the IOAPIC's unmasked pins and the two PICs. A vector stuck in ISR
 * with no handler running, or one in IRR the vCPU never takes, shows here.
 * Everything is read through KVM's ioctls, so it reads /dev/kvm the same.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "mkvm.h"

/* xAPIC register offsets (SDM Vol. 3A, "Local APIC Register Address Map"). */
#define LAPIC_TPR	0x80
#define LAPIC_PPR	0xa0
#define LAPIC_SVR	0xf0
#define LAPIC_ISR	0x100
#define LAPIC_TMR	0x180
#define LAPIC_IRR	0x200
#define LAPIC_LVTT	0x320
#define LAPIC_LVT0	0x350
#define LAPIC_TMICT	0x380
#define LAPIC_TMCCT	0x390

static uint32_t lapic_reg(const struct kvm_lapic_state *s, unsigned int off)
{
	uint32_t v;

	memcpy(&v, s->regs + off, sizeof(v));
	return v;
}

/* " 0x21 0xec" for each vector set in the 256-bit register at @off, or " -". */
static void print_vectors(const char *name, const struct kvm_lapic_state *s, unsigned int off)
{
	unsigned int vec, any = 0;

	fprintf(stderr, " %s", name);
	for (vec = 0; vec < 256; vec++)
		if (lapic_reg(s, off + (vec / 32) * 0x10) & (1u << (vec % 32))) {
			fprintf(stderr, " %#x", vec);
			any = 1;
		}
	if (!any)
		fprintf(stderr, " -");
}

static void print_vcpu(struct mkvm_vcpu *v)
{
	struct kvm_mp_state mp = { 0 };
	struct kvm_regs regs = { 0 };
	struct kvm_vcpu_events ev = { 0 };
	struct kvm_lapic_state lapic;

	if (ioctl(v->fd, KVM_GET_MP_STATE, &mp) < 0 || ioctl(v->fd, KVM_GET_REGS, &regs) < 0 ||
	    ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) < 0) {
		fprintf(stderr, "  vcpu%d: %s\n", v->id, strerror(errno));
		return;
	}
	fprintf(stderr, "  vcpu%d: mp_state %u rip %#llx IF %d shadow %u irq %s%#x nmi %s%s\n",
		v->id, mp.mp_state, (unsigned long long)regs.rip, !!(regs.rflags & (1u << 9)),
		ev.interrupt.shadow, ev.interrupt.injected ? "injected " : "none ",
		ev.interrupt.nr, ev.nmi.injected ? "injected" : "-", ev.nmi.pending ? " pending" : "");
	if (ioctl(v->fd, KVM_GET_LAPIC, &lapic) < 0) {
		fprintf(stderr, "  vcpu%d lapic: %s\n", v->id, strerror(errno));
		return;
	}
	fprintf(stderr, "  vcpu%d lapic: tpr %#x ppr %#x svr %#x lvt0 %#x lvtt %#x tmict %#x tmcct %#x\n",
		v->id, lapic_reg(&lapic, LAPIC_TPR), lapic_reg(&lapic, LAPIC_PPR),
		lapic_reg(&lapic, LAPIC_SVR), lapic_reg(&lapic, LAPIC_LVT0),
		lapic_reg(&lapic, LAPIC_LVTT), lapic_reg(&lapic, LAPIC_TMICT),
		lapic_reg(&lapic, LAPIC_TMCCT));
	fprintf(stderr, "  vcpu%d lapic:", v->id);
	print_vectors("irr", &lapic, LAPIC_IRR);
	print_vectors(" isr", &lapic, LAPIC_ISR);
	print_vectors(" tmr", &lapic, LAPIC_TMR);
	fprintf(stderr, "\n");
}

static void print_ioapic(struct mkvm_vm *vm)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_ioapic_state *s = &chip.chip.ioapic;
	int pin;

	if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip) < 0) {
		fprintf(stderr, "  ioapic: %s\n", strerror(errno));
		return;
	}
	fprintf(stderr, "  ioapic: irr %#x\n", s->irr);
	for (pin = 0; pin < KVM_IOAPIC_NUM_PINS; pin++) {
		if (s->redirtbl[pin].fields.mask)
			continue;
		fprintf(stderr, "  ioapic pin %d: vector %#x mode %u %s dest %#x %s%s%s\n", pin,
			s->redirtbl[pin].fields.vector, s->redirtbl[pin].fields.delivery_mode,
			s->redirtbl[pin].fields.dest_mode ? "logical" : "physical",
			s->redirtbl[pin].fields.dest_id,
			s->redirtbl[pin].fields.trig_mode ? "level" : "edge",
			s->redirtbl[pin].fields.remote_irr ? " remote_irr" : "",
			s->irr & (1u << pin) ? " requested" : "");
	}
}

static void print_pic(struct mkvm_vm *vm, int id, const char *name)
{
	struct kvm_irqchip chip = { .chip_id = id };
	struct kvm_pic_state *s = &chip.chip.pic;

	if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip) < 0) {
		fprintf(stderr, "  %s: %s\n", name, strerror(errno));
		return;
	}
	fprintf(stderr, "  %s: irr %#x imr %#x isr %#x base %#x\n", name, s->irr, s->imr,
		s->isr, s->irq_base);
}

void mkvm_print_irq_state(struct mkvm_vm *vm)
{
	int i;

	fprintf(stderr, "mkvm: interrupt state:\n");
	for (i = 0; i < vm->nr_cpus; i++)
		if (vm->vcpus[i].fd > 0)
			print_vcpu(&vm->vcpus[i]);
	print_ioapic(vm);
	print_pic(vm, KVM_IRQCHIP_PIC_MASTER, "pic master");
	print_pic(vm, KVM_IRQCHIP_PIC_SLAVE, "pic slave");
}
