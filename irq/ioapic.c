// SPDX-License-Identifier: GPL-2.0
/*
 * The IOAPIC: 24 input pins, each with a redirection entry that turns
 * an assertion into an interrupt message for the LAPICs (Intel 82093AA
 * I/O APIC datasheet; SDM Vol. 3A, "Advanced Programmable Interrupt
 * Controller (APIC)"). The guest reaches its registers through two MMIO
 * windows at 0xfec00000: IOREGSEL picks a register, IOWIN reads or
 * writes it.
 *
 * An edge pin sends one message per rising edge. A level pin sends one
 * while the line is high and remote IRR is clear, and sets remote IRR;
 * the LAPIC's EOI of that vector (minikvm_ioapic_eoi()) clears it and, if
 * the line is still high, sends again. The EOI of an edge pin's vector
 * comes here too: it tells the pin's listeners (the PIT) it was taken.
 *
 * The state is KVM's struct kvm_ioapic_state, copied whole by
 * KVM_GET/SET_IRQCHIP. As KVM: version 0x11, IRR as the state shows it
 * leaves out edge requests already delivered, and a message that reaches
 * no LAPIC still sets remote IRR. Not modelled: KVM's RTC (GSI 8)
 * coalescing under KVM_IRQ_LINE_STATUS and its deferral of an EOI storm
 * of 10000 re-deliveries; Documentation/interrupts.rst says so.
 *
 * Environment: any context but hard IRQ; ioapic->lock is a spinlock held
 * across minikvm_irq_deliver() (as KVM holds its own across delivery).
 */
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <asm/apicdef.h>

#include "irq/chipset.h"
#include "irq/irqchip.h"

#define IOAPIC_PINS		KVM_IOAPIC_NUM_PINS
#define IOAPIC_VERSION		0x11
#define IOAPIC_REG_SELECT	0x00
#define IOAPIC_REG_WINDOW	0x10
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VER		0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDTBL	0x10	/* two registers per pin */


struct minikvm_ioapic {
	spinlock_t lock;
	struct minikvm_vm *vm;
	struct kvm_ioapic_state s;
	u32 irr_delivered;		/* edge requests sent, still in s.irr */
	unsigned long line[IOAPIC_PINS];	/* a bit per irq source */
	struct minikvm_io_device dev;
};

static u32 ioapic_read_reg(struct minikvm_ioapic *io)
{
	u32 sel = io->s.ioregsel, pin;
	u64 rte = ~0ULL;

	switch (sel) {
	case IOAPIC_REG_VER:
		return ((IOAPIC_PINS - 1) << 16) | IOAPIC_VERSION;
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return (io->s.id & 0xf) << 24;
	}
	pin = (sel - IOAPIC_REG_REDTBL) >> 1;
	if (sel >= IOAPIC_REG_REDTBL && pin < IOAPIC_PINS)
		rte = io->s.redirtbl[array_index_nospec(pin, IOAPIC_PINS)].bits;
	return (sel & 1) ? rte >> 32 : (u32)rte;
}

/*
 * Send pin @pin's message if the pin may: unmasked, and for a level pin
 * remote IRR clear. Returns minikvm_irq_deliver()'s count, -1 when
 * nothing was sent.
 */
static int ioapic_service(struct minikvm_ioapic *io, unsigned int pin)
{
	typeof(&io->s.redirtbl[0]) e = &io->s.redirtbl[pin];
	struct minikvm_lapic_irq irq = {
		.dest_id = e->fields.dest_id,
		.delivery_mode = e->fields.delivery_mode << 8,	/* APIC_DM_* */
		.shorthand = APIC_DEST_NOSHORT,
		.vector = e->fields.vector,
		.dest_logical = e->fields.dest_mode,
		.level = true,
		.trig_level = e->fields.trig_mode,
	};
	int ret;

	if (e->fields.mask || (e->fields.trig_mode && e->fields.remote_irr))
		return -1;
	if (!e->fields.trig_mode)
		io->irr_delivered |= BIT(pin);
	ret = minikvm_irq_deliver(io->vm, NULL, &irq);
	/* As KVM: -1 (no LAPIC took it) sets remote IRR too. */
	if (ret && e->fields.trig_mode)
		e->fields.remote_irr = 1;
	return ret;
}

/* A level change on @pin; KVM_IRQ_LINE_STATUS's value. */
static int ioapic_input(struct minikvm_ioapic *io, unsigned int pin, int level)
{
	bool edge = !io->s.redirtbl[pin].fields.trig_mode;
	u32 old = io->s.irr;

	if (!level) {
		io->s.irr &= ~BIT(pin);
		return 1;
	}
	io->s.irr |= BIT(pin);
	if (edge) {
		io->irr_delivered &= ~BIT(pin);
		if (old == io->s.irr)
			return 0;	/* coalesced: the edge is still pending */
	}
	return ioapic_service(io, pin);
}

int minikvm_ioapic_set_irq(struct minikvm_vm *vm, unsigned int pin, int source, int level)
{
	struct minikvm_ioapic *io = vm->ioapic;
	int ret;

	if (pin >= IOAPIC_PINS)
		return -1;
	spin_lock(&io->lock);
	level = minikvm_irq_line_or(&io->line[pin], source, level);
	ret = ioapic_input(io, pin, level);
	spin_unlock(&io->lock);
	return ret;
}

void minikvm_ioapic_clear_source(struct minikvm_vm *vm, int source)
{
	struct minikvm_ioapic *io = vm->ioapic;
	unsigned int pin;

	spin_lock(&io->lock);
	for (pin = 0; pin < IOAPIC_PINS; pin++)
		__clear_bit(source, &io->line[pin]);
	spin_unlock(&io->lock);
}

static void ioapic_write_rte(struct minikvm_ioapic *io, unsigned int pin, bool high, u32 val)
{
	typeof(&io->s.redirtbl[0]) e = &io->s.redirtbl[array_index_nospec(pin, IOAPIC_PINS)];
	u8 remote_irr = e->fields.remote_irr;
	u8 busy = e->fields.delivery_status;

	if (high)
		e->bits = (e->bits & 0xffffffffULL) | ((u64)val << 32);
	else
		e->bits = (e->bits & ~0xffffffffULL) | val;
	/* Read-only bits keep their value; an edge pin has no remote IRR. */
	e->fields.remote_irr = e->fields.trig_mode ? remote_irr : 0;
	e->fields.delivery_status = busy;
	if (e->fields.trig_mode && (io->s.irr & BIT(pin)))
		ioapic_service(io, pin);
}

static void ioapic_write_reg(struct minikvm_ioapic *io, u32 val)
{
	u32 sel = io->s.ioregsel, pin;

	switch (sel) {
	case IOAPIC_REG_ID:
		io->s.id = (val >> 24) & 0xf;
		return;
	case IOAPIC_REG_VER:
	case IOAPIC_REG_ARB:
		return;		/* read-only */
	}
	pin = (sel - IOAPIC_REG_REDTBL) >> 1;
	if (sel >= IOAPIC_REG_REDTBL && pin < IOAPIC_PINS)
		ioapic_write_rte(io, pin, sel & 1, val);
}

/*
 * The guest's accesses. Both windows are 32-bit registers; as KVM, any
 * access size inside the 256 bytes is taken, offsets other than the two
 * windows read 0 and ignore writes, and after KVM_SET_IRQCHIP moved
 * base_address the range at 0xfec00000 lets accesses go to userspace.
 */
static bool ioapic_offset(struct minikvm_ioapic *io, u64 addr, u64 *off)
{
	*off = addr - io->s.base_address;
	return addr >= io->s.base_address && *off < MINIKVM_IOAPIC_SIZE;
}

static int ioapic_mmio_read(struct minikvm_vcpu *vcpu, struct minikvm_io_device *dev,
			    u64 addr, unsigned int len, void *val)
{
	struct minikvm_ioapic *io = container_of(dev, struct minikvm_ioapic, dev);
	u64 v = 0, off;

	spin_lock(&io->lock);
	if (!ioapic_offset(io, addr, &off)) {
		spin_unlock(&io->lock);
		return -EOPNOTSUPP;
	}
	switch (off) {
	case IOAPIC_REG_SELECT:
		v = io->s.ioregsel;
		break;
	case IOAPIC_REG_WINDOW:
		v = ioapic_read_reg(io);
		break;
	}
	spin_unlock(&io->lock);
	memcpy(val, &v, min_t(unsigned int, len, sizeof(v)));
	return 0;
}

static int ioapic_mmio_write(struct minikvm_vcpu *vcpu, struct minikvm_io_device *dev,
			     u64 addr, unsigned int len, const void *val)
{
	struct minikvm_ioapic *io = container_of(dev, struct minikvm_ioapic, dev);
	u32 v = 0;
	u64 off;

	memcpy(&v, val, min_t(unsigned int, len, sizeof(v)));
	spin_lock(&io->lock);
	if (!ioapic_offset(io, addr, &off)) {
		spin_unlock(&io->lock);
		return -EOPNOTSUPP;
	}
	switch (off) {
	case IOAPIC_REG_SELECT:
		io->s.ioregsel = v & 0xff;
		break;
	case IOAPIC_REG_WINDOW:
		ioapic_write_reg(io, v);
		break;
	}
	spin_unlock(&io->lock);
	return 0;
}

static const struct minikvm_io_ops ioapic_ops = {
	.read = ioapic_mmio_read,
	.write = ioapic_mmio_write,
};

/**
 * minikvm_ioapic_eoi() - the LAPIC's EOI of a vector the IOAPIC may own
 * @vcpu: the vCPU whose LAPIC took the EOI
 * @vector: the vector
 * @level: the vector's TMR bit was set (a level-triggered message)
 *
 * Every pin with @vector, edge or level: its listeners (the PIT on GSI 0,
 * irqfd resampling) hear the acknowledgement first, with the lock
 * dropped, so that a line they lower is not sent again. The PIT's
 * reinjection waits for that acknowledgement of its edge pin. Then, for
 * a level EOI of a level pin, remote IRR clears and a line still high
 * sends its message again. As KVM's kvm_ioapic_update_eoi(), which
 * notifies the ack listeners of an edge pin too.
 */
void minikvm_ioapic_eoi(struct minikvm_vcpu *vcpu, u8 vector, bool level)
{
	struct minikvm_ioapic *io = READ_ONCE(vcpu->vm->ioapic);
	unsigned int pin;

	if (!io)
		return;
	spin_lock(&io->lock);
	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		typeof(&io->s.redirtbl[0]) e = &io->s.redirtbl[pin];

		if (e->fields.vector != vector)
			continue;
		spin_unlock(&io->lock);
		minikvm_irqchip_acked(io->vm, KVM_IRQCHIP_IOAPIC, pin);
		spin_lock(&io->lock);
		if (!level || !e->fields.trig_mode)
			continue;
		e->fields.remote_irr = 0;
		if (io->s.irr & BIT(pin))
			ioapic_service(io, pin);
	}
	spin_unlock(&io->lock);
}

/*
 * irq/irqchip.h. Read without the lock: an entry a vCPU reads here was
 * written before any message sent with it (under the lock, which the
 * post's atomics order), and the vCPU reads it only after it saw that
 * post's request, so the vector of every interrupt it can be serving is
 * in the bitmap it builds.
 */
void minikvm_ioapic_vectors(struct minikvm_vm *vm, u64 bitmap[4])
{
	struct minikvm_ioapic *io = READ_ONCE(vm->ioapic);
	unsigned int pin;

	if (!io)
		return;
	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		u8 vec = READ_ONCE(io->s.redirtbl[pin].fields.vector);

		bitmap[vec / 64] |= BIT_ULL(vec % 64);
	}
}

static void ioapic_reset(struct minikvm_ioapic *io)
{
	unsigned int pin;

	memset(&io->s, 0, sizeof(io->s));
	for (pin = 0; pin < IOAPIC_PINS; pin++)
		io->s.redirtbl[pin].fields.mask = 1;
	io->s.base_address = MINIKVM_IOAPIC_BASE;
	io->irr_delivered = 0;
}

int minikvm_ioapic_create(struct minikvm_vm *vm)
{
	struct minikvm_ioapic *io;
	int ret;

	io = kzalloc(sizeof(*io), GFP_KERNEL_ACCOUNT);
	if (!io)
		return -ENOMEM;
	spin_lock_init(&io->lock);
	io->vm = vm;
	ioapic_reset(io);
	io->dev.ops = &ioapic_ops;
	ret = minikvm_io_bus_register(vm, MINIKVM_MMIO_BUS, MINIKVM_IOAPIC_BASE,
				      MINIKVM_IOAPIC_SIZE, &io->dev);
	if (ret) {
		kfree(io);
		return ret;
	}
	WRITE_ONCE(vm->ioapic, io);
	return 0;
}

void minikvm_ioapic_destroy(struct minikvm_vm *vm)
{
	struct minikvm_ioapic *io = vm->ioapic;

	if (!io)
		return;
	minikvm_io_bus_unregister(vm, MINIKVM_MMIO_BUS, &io->dev);
	vm->ioapic = NULL;
	kfree(io);
}

void minikvm_ioapic_get_state(struct minikvm_vm *vm, struct kvm_ioapic_state *s)
{
	struct minikvm_ioapic *io = vm->ioapic;

	spin_lock(&io->lock);
	*s = io->s;
	s->irr &= ~io->irr_delivered;
	spin_unlock(&io->lock);
}

/*
 * As KVM: the registers are taken as they come (the MMIO range stays
 * registered at 0xfec00000 whatever base_address says), and each pin whose IRR bit is
 * set is asserted again.
 */
void minikvm_ioapic_set_state(struct minikvm_vm *vm, const struct kvm_ioapic_state *s)
{
	struct minikvm_ioapic *io = vm->ioapic;
	unsigned int pin;

	spin_lock(&io->lock);
	io->s = *s;
	io->s.irr = 0;
	io->irr_delivered = 0;
	for (pin = 0; pin < IOAPIC_PINS; pin++)
		if (s->irr & BIT(pin))
			ioapic_input(io, pin, 1);
	spin_unlock(&io->lock);
}
