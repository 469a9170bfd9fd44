// SPDX-License-Identifier: GPL-2.0
/*
 * The 8259A pair of a PC: a master at ports 0x20-0x21 whose pin 2 takes
 * the slave's output, a slave at 0xa0-0xa1, and the PIIX edge/level
 * control registers (ELCR) at 0x4d0-0x4d1 (Intel 8259A datasheet;
 * Intel 82371AB PIIX4 datasheet, "ELCR1/ELCR2").
 *
 * Each chip's state is KVM's struct kvm_pic_state as it is, so that
 * KVM_GET/SET_IRQCHIP copy it whole, as KVM does. The master's output is
 * the INTR line of the BSP's LAPIC (LINT0 in ExtINT mode): when it rises
 * minikvm_lapic_extint_raised() tells the LAPIC side, which later runs
 * the INTA cycle through minikvm_pic_read_irq().
 *
 * Priorities: pin (n + priority_add) & 7 has priority n, 0 the highest;
 * rotation moves priority_add. An interrupt is raised when the best
 * requested, unmasked pin has a better priority than the best one in
 * service.
 *
 * Environment: any context but hard IRQ; pic->lock is a spinlock, and
 * the calls out of the PIC (acknowledgements, the ExtINT kick) happen
 * after it is dropped (pic_unlock()).
 */
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "irq/chipset.h"
#include "irq/irqchip.h"

#define PIC_MASTER	0
#define PIC_SLAVE	1
#define PIC_CASCADE_PIN	2
#define PIC_NO_IRQ	8	/* get_priority(): nothing requested */

struct minikvm_pic {
	spinlock_t lock;
	struct minikvm_vm *vm;
	struct kvm_pic_state chip[2];	/* [PIC_MASTER], [PIC_SLAVE] */
	unsigned long line[MINIKVM_PIC_PINS];	/* a bit per irq source */
	bool output;			/* the master's INTR */
	bool wake;			/* output rose: tell the LAPIC side */
	u16 acked;			/* pins 0-15 whose ISR bit cleared */
	struct minikvm_io_device dev_master, dev_slave, dev_elcr;
};

static void pic_lock(struct minikvm_pic *pic)
	__acquires(&pic->lock)
{
	spin_lock(&pic->lock);
}

/* Drop the lock, then make the calls the state change asked for. */
static void pic_unlock(struct minikvm_pic *pic)
	__releases(&pic->lock)
{
	bool wake = pic->wake;
	u16 acked = pic->acked;
	unsigned int pin;

	pic->wake = false;
	pic->acked = 0;
	spin_unlock(&pic->lock);

	for (pin = 0; acked; pin++, acked >>= 1)
		if (acked & 1)
			minikvm_irqchip_acked(pic->vm, pin < 8 ? KVM_IRQCHIP_PIC_MASTER :
					      KVM_IRQCHIP_PIC_SLAVE, pin & 7);
	if (wake)
		minikvm_lapic_extint_raised(pic->vm);
}

static unsigned int chip_index(struct minikvm_pic *pic, struct kvm_pic_state *s)
{
	return s == &pic->chip[PIC_SLAVE];
}

/* End of service of @irq (0-7) on @s: the ISR bit goes, listeners hear. */
static void pic_end_service(struct minikvm_pic *pic, struct kvm_pic_state *s, unsigned int irq)
{
	s->isr &= ~BIT(irq);
	pic->acked |= BIT(irq + 8 * chip_index(pic, s));
}

/*
 * A level change on input @irq of @s. Edge-triggered inputs latch a
 * rising edge in IRR; level-triggered ones (ELCR) follow the line.
 * Returns KVM_IRQ_LINE_STATUS's value for this chip: -1 when the input
 * is masked, 0 when the request was already pending (coalesced), else 1.
 */
static int pic_input(struct kvm_pic_state *s, unsigned int irq, int level)
{
	u8 bit = BIT(irq);
	int ret = 1;

	if (s->elcr & bit) {
		if (level) {
			ret = !(s->irr & bit);
			s->irr |= bit;
			s->last_irr |= bit;
		} else {
			s->irr &= ~bit;
			s->last_irr &= ~bit;
		}
	} else if (level) {
		if (!(s->last_irr & bit)) {
			ret = !(s->irr & bit);
			s->irr |= bit;
		}
		s->last_irr |= bit;
	} else {
		s->last_irr &= ~bit;
	}
	return (s->imr & bit) ? -1 : ret;
}

/* Priority (0 best) of the best pin in @bits, PIC_NO_IRQ when none. */
static unsigned int get_priority(const struct kvm_pic_state *s, u8 bits)
{
	unsigned int prio;

	for (prio = 0; prio < 8; prio++)
		if (bits & BIT((prio + s->priority_add) & 7))
			return prio;
	return PIC_NO_IRQ;
}

/* The pin @s would interrupt with now, or -1. */
static int pic_best_irq(struct minikvm_pic *pic, const struct kvm_pic_state *s)
{
	unsigned int want, busy;
	u8 in_service = s->isr;

	want = get_priority(s, s->irr & ~s->imr);
	if (want == PIC_NO_IRQ)
		return -1;
	/*
	 * Special fully nested mode: the slave's pin stays eligible while
	 * one of its interrupts is in service at the master.
	 */
	if (s->special_fully_nested_mode && s == &pic->chip[PIC_MASTER])
		in_service &= ~BIT(PIC_CASCADE_PIN);
	busy = get_priority(s, in_service);
	if (want >= busy)
		return -1;
	return (want + s->priority_add) & 7;
}

/* Recompute the cascade and the master's output: after every change. */
static void pic_update(struct minikvm_pic *pic)
{
	bool out;

	if (pic_best_irq(pic, &pic->chip[PIC_SLAVE]) >= 0) {
		/* The slave's INT is an edge on master pin 2. */
		pic_input(&pic->chip[PIC_MASTER], PIC_CASCADE_PIN, 1);
		pic_input(&pic->chip[PIC_MASTER], PIC_CASCADE_PIN, 0);
	}
	out = pic_best_irq(pic, &pic->chip[PIC_MASTER]) >= 0;
	if (out && !pic->output)
		pic->wake = true;
	pic->output = out;
}

int minikvm_pic_set_irq(struct minikvm_vm *vm, unsigned int pin, int source, int level)
{
	struct minikvm_pic *pic = vm->pic;
	int ret;

	if (pin >= MINIKVM_PIC_PINS)
		return -1;
	pic_lock(pic);
	level = minikvm_irq_line_or(&pic->line[pin], source, level);
	ret = pic_input(&pic->chip[pin >> 3], pin & 7, level);
	pic_update(pic);
	pic_unlock(pic);
	return ret;
}

void minikvm_pic_clear_source(struct minikvm_vm *vm, int source)
{
	struct minikvm_pic *pic = vm->pic;
	unsigned int pin;

	pic_lock(pic);
	for (pin = 0; pin < MINIKVM_PIC_PINS; pin++)
		__clear_bit(source, &pic->line[pin]);
	pic_unlock(pic);
}

/* INTA: @irq of @s goes into service (and out, with auto-EOI). */
static void pic_ack(struct minikvm_pic *pic, struct kvm_pic_state *s, unsigned int irq)
{
	s->isr |= BIT(irq);
	/* A level-triggered request stays while its line is high. */
	if (!(s->elcr & BIT(irq)))
		s->irr &= ~BIT(irq);
	if (s->auto_eoi) {
		if (s->rotate_on_auto_eoi)
			s->priority_add = (irq + 1) & 7;
		pic_end_service(pic, s, irq);
	}
}

bool minikvm_pic_has_interrupt(struct minikvm_vm *vm)
{
	struct minikvm_pic *pic = READ_ONCE(vm->pic);

	return pic && READ_ONCE(pic->output);
}

/*
 * The INTA cycle. With nothing to give (the request went away since the
 * output rose) the chip answers with its IRQ 7 vector, as an 8259A does:
 * the master's, or the slave's when the master's request was the cascade.
 */
int minikvm_pic_read_irq(struct minikvm_vm *vm)
{
	struct minikvm_pic *pic = READ_ONCE(vm->pic);
	struct kvm_pic_state *master, *slave;
	int irq, irq2, vector;

	if (!pic)
		return -1;
	master = &pic->chip[PIC_MASTER];
	slave = &pic->chip[PIC_SLAVE];
	pic_lock(pic);
	pic->output = false;
	irq = pic_best_irq(pic, master);
	if (irq < 0) {
		vector = master->irq_base + 7;
	} else {
		pic_ack(pic, master, irq);
		if (irq == PIC_CASCADE_PIN) {
			irq2 = pic_best_irq(pic, slave);
			if (irq2 >= 0)
				pic_ack(pic, slave, irq2);
			else
				irq2 = 7;
			vector = slave->irq_base + irq2;
		} else {
			vector = master->irq_base + irq;
		}
	}
	pic_update(pic);
	pic_unlock(pic);
	return vector;
}

/*
 * ICW1: initialization starts. Edge-latched requests are dropped (their
 * pins acknowledged, so a resampled line is asserted again), level ones
 * stay; the mask and the modes ICW4 sets are reset.
 */
static void pic_icw1(struct minikvm_pic *pic, struct kvm_pic_state *s, u8 val)
{
	u8 edge = s->irr & ~s->elcr;
	unsigned int irq;

	s->init4 = val & 1;
	s->last_irr = 0;
	s->irr &= s->elcr;
	s->imr = 0;
	s->priority_add = 0;
	s->special_mask = 0;
	s->read_reg_select = 0;
	if (!s->init4) {
		s->special_fully_nested_mode = 0;
		s->auto_eoi = 0;
	}
	s->init_state = 1;
	for (irq = 0; irq < 8; irq++)
		if (edge & BIT(irq))
			pic_end_service(pic, s, irq);
}

/* OCW2 commands, bits 7-5 (8259A datasheet, "Operation Command Words"). */
enum {
	OCW2_ROTATE_AEOI_CLEAR	= 0,
	OCW2_EOI		= 1,
	OCW2_SPECIFIC_EOI	= 3,
	OCW2_ROTATE_AEOI_SET	= 4,
	OCW2_ROTATE_EOI		= 5,
	OCW2_SET_PRIORITY	= 6,
	OCW2_ROTATE_SPECIFIC	= 7,
};

static void pic_ocw2(struct minikvm_pic *pic, struct kvm_pic_state *s, u8 val)
{
	unsigned int cmd = val >> 5, prio, irq = val & 7;

	switch (cmd) {
	case OCW2_ROTATE_AEOI_CLEAR:
	case OCW2_ROTATE_AEOI_SET:
		s->rotate_on_auto_eoi = cmd == OCW2_ROTATE_AEOI_SET;
		return;
	case OCW2_EOI:
	case OCW2_ROTATE_EOI:
		prio = get_priority(s, s->isr);
		if (prio == PIC_NO_IRQ)
			return;
		irq = (prio + s->priority_add) & 7;
		if (cmd == OCW2_ROTATE_EOI)
			s->priority_add = (irq + 1) & 7;
		pic_end_service(pic, s, irq);
		break;
	case OCW2_SPECIFIC_EOI:
		pic_end_service(pic, s, irq);
		break;
	case OCW2_SET_PRIORITY:
		s->priority_add = (irq + 1) & 7;
		break;
	case OCW2_ROTATE_SPECIFIC:
		s->priority_add = (irq + 1) & 7;
		pic_end_service(pic, s, irq);
		break;
	default:		/* 2: no operation */
		return;
	}
	pic_update(pic);
}

/* Port A (even): ICW1, OCW2 or OCW3, told apart by bits 4 and 3. */
static void pic_write_cmd(struct minikvm_pic *pic, struct kvm_pic_state *s, u8 val)
{
	if (val & 0x10) {
		pic_icw1(pic, s, val);
	} else if (val & 0x08) {
		/* OCW3: poll, register to read, special mask mode. */
		if (val & 0x04)
			s->poll = 1;
		if (val & 0x02)
			s->read_reg_select = val & 1;
		if (val & 0x40)
			s->special_mask = (val >> 5) & 1;
	} else {
		pic_ocw2(pic, s, val);
	}
}

/* Port B (odd): ICW2-4 during initialization, OCW1 (the mask) after. */
static void pic_write_data(struct minikvm_pic *pic, struct kvm_pic_state *s, u8 val)
{
	switch (s->init_state) {
	case 0:
		s->imr = val;
		pic_update(pic);
		break;
	case 1:			/* ICW2: the vector base */
		s->irq_base = val & 0xf8;
		s->init_state = 2;
		break;
	case 2:			/* ICW3: cascade wiring, fixed on a PC */
		s->init_state = s->init4 ? 3 : 0;
		break;
	case 3:			/* ICW4 */
		s->special_fully_nested_mode = (val >> 4) & 1;
		s->auto_eoi = (val >> 1) & 1;
		s->init_state = 0;
		break;
	}
}

/*
 * Poll mode (OCW3 with P set): the read is the INTA. Bit 7 would say
 * "interrupt pending"; as in KVM the answer is the pin alone, 7 for none.
 */
static u8 pic_poll(struct minikvm_pic *pic, struct kvm_pic_state *s)
{
	bool slave = s == &pic->chip[PIC_SLAVE];
	int irq = pic_best_irq(pic, s);

	if (irq < 0) {
		pic_update(pic);
		return 7;
	}
	if (slave) {
		/* The master's cascade request is answered with it. */
		pic->chip[PIC_MASTER].isr &= ~BIT(PIC_CASCADE_PIN);
		pic->chip[PIC_MASTER].irr &= ~BIT(PIC_CASCADE_PIN);
	}
	s->irr &= ~BIT(irq);
	pic_end_service(pic, s, irq);
	if (slave || irq != PIC_CASCADE_PIN)
		pic_update(pic);
	return irq;
}

static u8 pic_read_port(struct minikvm_pic *pic, struct kvm_pic_state *s, bool data)
{
	if (s->poll) {
		s->poll = 0;
		return pic_poll(pic, s);
	}
	if (data)
		return s->imr;
	return s->read_reg_select ? s->isr : s->irr;
}

/*
 * The three port ranges. As KVM, only byte accesses do anything: a wider
 * one is taken (no exit to userspace), writes ignored, reads give 0.
 */
static int pic_port_write(struct minikvm_pic *pic, u64 port, unsigned int len, const void *val)
{
	u8 v = *(const u8 *)val;

	if (len != 1)
		return 0;
	pic_lock(pic);
	switch (port) {
	case 0x20:
	case 0xa0:
		pic_write_cmd(pic, &pic->chip[port >> 7], v);
		break;
	case 0x21:
	case 0xa1:
		pic_write_data(pic, &pic->chip[port >> 7], v);
		break;
	case 0x4d0:
	case 0x4d1:
		pic->chip[port & 1].elcr = v & pic->chip[port & 1].elcr_mask;
		break;
	}
	pic_unlock(pic);
	return 0;
}

static int pic_port_read(struct minikvm_pic *pic, u64 port, unsigned int len, void *val)
{
	u8 v = 0;

	if (len != 1) {
		memset(val, 0, len);
		return 0;
	}
	pic_lock(pic);
	switch (port) {
	case 0x20:
	case 0x21:
	case 0xa0:
	case 0xa1:
		v = pic_read_port(pic, &pic->chip[port >> 7], port & 1);
		break;
	case 0x4d0:
	case 0x4d1:
		v = pic->chip[port & 1].elcr;
		break;
	}
	pic_unlock(pic);
	*(u8 *)val = v;
	return 0;
}

#define PIC_DEV_OPS(name)							\
static int name##_read(struct minikvm_vcpu *vcpu, struct minikvm_io_device *dev,	\
		       u64 addr, unsigned int len, void *val)			\
{										\
	return pic_port_read(container_of(dev, struct minikvm_pic, name), addr, len, val); \
}										\
static int name##_write(struct minikvm_vcpu *vcpu, struct minikvm_io_device *dev,	\
			u64 addr, unsigned int len, const void *val)		\
{										\
	return pic_port_write(container_of(dev, struct minikvm_pic, name), addr, len, val); \
}										\
static const struct minikvm_io_ops name##_ops = {				\
	.read = name##_read,							\
	.write = name##_write,							\
}

PIC_DEV_OPS(dev_master);
PIC_DEV_OPS(dev_slave);
PIC_DEV_OPS(dev_elcr);

/* KVM_CREATE_IRQCHIP's PIC: both chips at reset, their ports on the bus. */
int minikvm_pic_create(struct minikvm_vm *vm)
{
	struct minikvm_pic *pic;
	int ret;

	pic = kzalloc(sizeof(*pic), GFP_KERNEL_ACCOUNT);
	if (!pic)
		return -ENOMEM;
	spin_lock_init(&pic->lock);
	pic->vm = vm;
	/* ELCR bits that exist: not IRQ 0-2 on the master, 8 and 13 on the slave. */
	pic->chip[PIC_MASTER].elcr_mask = 0xf8;
	pic->chip[PIC_SLAVE].elcr_mask = 0xde;
	pic->dev_master.ops = &dev_master_ops;
	pic->dev_slave.ops = &dev_slave_ops;
	pic->dev_elcr.ops = &dev_elcr_ops;

	ret = minikvm_io_bus_register(vm, MINIKVM_PIO_BUS, 0x20, 2, &pic->dev_master);
	if (ret)
		goto err_free;
	ret = minikvm_io_bus_register(vm, MINIKVM_PIO_BUS, 0xa0, 2, &pic->dev_slave);
	if (ret)
		goto err_master;
	ret = minikvm_io_bus_register(vm, MINIKVM_PIO_BUS, 0x4d0, 2, &pic->dev_elcr);
	if (ret)
		goto err_slave;
	WRITE_ONCE(vm->pic, pic);
	return 0;

err_slave:
	minikvm_io_bus_unregister(vm, MINIKVM_PIO_BUS, &pic->dev_slave);
err_master:
	minikvm_io_bus_unregister(vm, MINIKVM_PIO_BUS, &pic->dev_master);
err_free:
	kfree(pic);
	return ret;
}

/* The VM is going (or creation failed later): no vCPU runs. */
void minikvm_pic_destroy(struct minikvm_vm *vm)
{
	struct minikvm_pic *pic = vm->pic;

	if (!pic)
		return;
	minikvm_io_bus_unregister(vm, MINIKVM_PIO_BUS, &pic->dev_master);
	minikvm_io_bus_unregister(vm, MINIKVM_PIO_BUS, &pic->dev_slave);
	minikvm_io_bus_unregister(vm, MINIKVM_PIO_BUS, &pic->dev_elcr);
	vm->pic = NULL;
	kfree(pic);
}

void minikvm_pic_get_state(struct minikvm_vm *vm, unsigned int chip, struct kvm_pic_state *s)
{
	struct minikvm_pic *pic = vm->pic;

	pic_lock(pic);
	*s = pic->chip[chip];
	pic_unlock(pic);
}

/* As KVM, the state is taken as it comes; the output follows it. */
void minikvm_pic_set_state(struct minikvm_vm *vm, unsigned int chip,
			   const struct kvm_pic_state *s)
{
	struct minikvm_pic *pic = vm->pic;

	pic_lock(pic);
	pic->chip[chip] = *s;
	pic_unlock(pic);
}

void minikvm_pic_update(struct minikvm_vm *vm)
{
	struct minikvm_pic *pic = vm->pic;

	pic_lock(pic);
	pic_update(pic);
	pic_unlock(pic);
}
