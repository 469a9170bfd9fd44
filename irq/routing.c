// SPDX-License-Identifier: GPL-2.0
/*
 * The GSI routing table: which chip pins or MSI message a GSI drives
 * (KVM_SET_GSI_ROUTING, KVM_IRQ_LINE, irqfds, the PIT), and back from a
 * pin to its GSI for the acknowledgement listeners.
 *
 * The table is replaced whole: built aside, checked entry by entry with
 * KVM's rules and errors (a rejected table changes nothing), published
 * with rcu_assign_pointer() under vm->irq_lock, and the old one freed
 * after synchronize_srcu() on vm->irq_srcu. Readers (any context but
 * hard IRQ) take only srcu_read_lock().
 *
 * A GSI holds either up to one pin per irqchip (KVM_IRQCHIP_PIC_MASTER,
 * _SLAVE, _IOAPIC) or one MSI. Its level is the OR over irq sources
 * (KVM_IRQ_LINE's, irqfd resampling's, the PIT's), kept per pin by each
 * chip, as KVM keeps it.
 */
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/apicdef.h>

#include "irq/chipset.h"
#include "irq/irqchip.h"

#define NR_IRQCHIPS	3	/* KVM_IRQCHIP_PIC_MASTER, _PIC_SLAVE, _IOAPIC */
#define ROUTES_PER_GSI	NR_IRQCHIPS

struct irq_route {
	u32 type;			/* KVM_IRQ_ROUTING_IRQCHIP or _MSI */
	union {
		struct {
			u32 chip;
			u32 pin;	/* PIC slave: 8-15 */
		} irqchip;
		struct {
			u32 address_lo, address_hi, data;
		} msi;
	};
};

struct gsi_routes {
	unsigned int n;
	struct irq_route r[ROUTES_PER_GSI];
};

struct minikvm_irq_routing {
	u32 nr_gsis;			/* highest GSI + 1 */
	int chip_gsi[NR_IRQCHIPS][KVM_IOAPIC_NUM_PINS];	/* pin -> GSI, -1 */
	struct gsi_routes gsi[];
};

int minikvm_irq_vm_init(struct minikvm_vm *vm)
{
	mutex_init(&vm->irq_lock);
	/* KVM's two fixed sources are taken; the PIT asks for its own. */
	vm->irq_sources = BIT(MINIKVM_USERSPACE_IRQ_SOURCE_ID) |
			  BIT(MINIKVM_IRQFD_RESAMPLE_IRQ_SOURCE_ID);
	return init_srcu_struct(&vm->irq_srcu);
}

void minikvm_routing_destroy(struct minikvm_vm *vm)
{
	kvfree(rcu_dereference_protected(vm->irq_routing, true));
	RCU_INIT_POINTER(vm->irq_routing, NULL);
	cleanup_srcu_struct(&vm->irq_srcu);
}

/* struct kvm_msi or an MSI route to the message it stands for. */
static void msi_to_irq(u32 address_lo, u32 data, struct minikvm_lapic_irq *irq)
{
	/* SDM Vol. 3A, "Message Address Register Format", "Message Data Register Format" */
	*irq = (struct minikvm_lapic_irq) {
		.dest_id = (address_lo >> 12) & 0xff,
		.dest_logical = address_lo & BIT(2),
		.vector = data & 0xff,
		.delivery_mode = data & APIC_MODE_MASK,
		.trig_level = data & BIT(15),
		.level = true,
		.shorthand = APIC_DEST_NOSHORT,
	};
}

static int route_set(struct minikvm_vm *vm, const struct irq_route *r, int source, int level)
{
	struct minikvm_lapic_irq irq;

	if (r->type == KVM_IRQ_ROUTING_MSI) {
		/* An MSI is an edge: only the assertion sends it. */
		if (!level)
			return -1;
		msi_to_irq(r->msi.address_lo, r->msi.data, &irq);
		return minikvm_irq_deliver(vm, NULL, &irq);
	}
	if (r->irqchip.chip == KVM_IRQCHIP_IOAPIC)
		return minikvm_ioapic_set_irq(vm, r->irqchip.pin, source, level);
	return minikvm_pic_set_irq(vm, r->irqchip.pin, source, level);
}

/**
 * minikvm_irqchip_set_irq() - drive a GSI (irq/irqchip.h)
 * @vm: the VM
 * @irq_source_id: whose share of the line this is
 * @gsi: the GSI
 * @level: 1 high, 0 low
 *
 * Every route of @gsi sees the level; the result sums what the routes
 * that did not refuse (-1) report, as KVM's kvm_set_irq(): > 0 delivered,
 * 0 coalesced, -1 masked or no route.
 *
 * Return: that sum, or -ENXIO without in-kernel LAPICs.
 */
int minikvm_irqchip_set_irq(struct minikvm_vm *vm, int irq_source_id, u32 gsi, int level)
{
	struct minikvm_irq_routing *rt;
	struct gsi_routes routes = { .n = 0 };
	int idx, ret = -1, r;
	unsigned int i;

	if (!minikvm_irqchip_in_kernel(vm))
		return -ENXIO;
	idx = srcu_read_lock(&vm->irq_srcu);
	rt = srcu_dereference(vm->irq_routing, &vm->irq_srcu);
	if (rt && gsi < rt->nr_gsis)
		routes = rt->gsi[array_index_nospec(gsi, rt->nr_gsis)];
	srcu_read_unlock(&vm->irq_srcu, idx);

	for (i = 0; i < routes.n; i++) {
		r = route_set(vm, &routes.r[i], irq_source_id, level);
		if (r >= 0)
			ret = (ret < 0 ? 0 : ret) + r;
	}
	return ret;
}

/**
 * minikvm_signal_msi() - KVM_SIGNAL_MSI, in split and kernel mode
 * @vm: the VM
 * @msi: userspace's message
 *
 * Return: LAPICs reached, -1 for none (KVM's value, which userspace sees
 * as -EPERM), -EINVAL without in-kernel LAPICs or with flags other than
 * KVM_MSI_VALID_DEVID.
 */
int minikvm_signal_msi(struct minikvm_vm *vm, const struct kvm_msi *msi)
{
	struct minikvm_lapic_irq irq;

	if (!minikvm_irqchip_in_kernel(vm) || (msi->flags & ~KVM_MSI_VALID_DEVID))
		return -EINVAL;
	msi_to_irq(msi->address_lo, msi->data, &irq);
	return minikvm_irq_deliver(vm, NULL, &irq);
}

/* Check @ue against KVM's kvm_set_routing_entry() and add it to @rt. */
static int route_add(struct minikvm_vm *vm, struct minikvm_irq_routing *rt,
		     const struct kvm_irq_routing_entry *ue)
{
	struct gsi_routes *g = &rt->gsi[ue->gsi];
	struct irq_route r = { .type = ue->type };
	unsigned int i;

	if (ue->flags & ~(ue->type == KVM_IRQ_ROUTING_MSI ? KVM_MSI_VALID_DEVID : 0))
		return -EINVAL;
	/* Pins of different chips may share a GSI; an MSI is alone. */
	for (i = 0; i < g->n; i++)
		if (g->r[i].type != KVM_IRQ_ROUTING_IRQCHIP ||
		    ue->type != KVM_IRQ_ROUTING_IRQCHIP ||
		    g->r[i].irqchip.chip == ue->u.irqchip.irqchip)
			return -EINVAL;

	switch (ue->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		if (minikvm_irqchip_split(vm))
			return -EINVAL;
		r.irqchip.chip = ue->u.irqchip.irqchip;
		r.irqchip.pin = ue->u.irqchip.pin;
		switch (ue->u.irqchip.irqchip) {
		case KVM_IRQCHIP_PIC_SLAVE:
		case KVM_IRQCHIP_PIC_MASTER:
			if (ue->u.irqchip.pin >= 8)
				return -EINVAL;
			if (ue->u.irqchip.irqchip == KVM_IRQCHIP_PIC_SLAVE)
				r.irqchip.pin += 8;
			break;
		case KVM_IRQCHIP_IOAPIC:
			if (ue->u.irqchip.pin >= KVM_IOAPIC_NUM_PINS)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
		rt->chip_gsi[r.irqchip.chip][ue->u.irqchip.pin] = ue->gsi;
		break;
	case KVM_IRQ_ROUTING_MSI:
		r.msi.address_lo = ue->u.msi.address_lo;
		r.msi.address_hi = ue->u.msi.address_hi;
		r.msi.data = ue->u.msi.data;
		break;
	default:
		return -EINVAL;
	}
	g->r[g->n++] = r;
	return 0;
}

/* Build the table for @ue[0..@nr) and put it in place. */
static int routing_replace(struct minikvm_vm *vm, const struct kvm_irq_routing_entry *ue, u32 nr)
{
	struct minikvm_irq_routing *new, *old;
	u32 i, nr_gsis = 0;
	int ret;

	for (i = 0; i < nr; i++) {
		if (ue[i].gsi >= MINIKVM_MAX_IRQ_ROUTES)
			return -EINVAL;
		nr_gsis = max(nr_gsis, ue[i].gsi + 1);
	}
	new = kvzalloc(struct_size(new, gsi, nr_gsis), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	new->nr_gsis = nr_gsis;
	memset(new->chip_gsi, 0xff, sizeof(new->chip_gsi));
	for (i = 0; i < nr; i++) {
		ret = route_add(vm, new, &ue[i]);
		if (ret) {
			kvfree(new);
			return ret;
		}
	}
	mutex_lock(&vm->irq_lock);
	old = rcu_dereference_protected(vm->irq_routing, lockdep_is_held(&vm->irq_lock));
	rcu_assign_pointer(vm->irq_routing, new);
	mutex_unlock(&vm->irq_lock);
	synchronize_srcu_expedited(&vm->irq_srcu);
	kvfree(old);
	return 0;
}

/* GSI 0-15 on the PIC and the IOAPIC pin of the same number, 16-23 on the IOAPIC. */
int minikvm_routing_default(struct minikvm_vm *vm)
{
	struct kvm_irq_routing_entry *ue;
	unsigned int gsi, n = 0;
	int ret;

	/* 40 entries: too big for the stack of a KASAN kernel. */
	ue = kcalloc(MINIKVM_PIC_PINS + KVM_IOAPIC_NUM_PINS, sizeof(*ue), GFP_KERNEL_ACCOUNT);
	if (!ue)
		return -ENOMEM;
	for (gsi = 0; gsi < KVM_IOAPIC_NUM_PINS; gsi++) {
		ue[n].gsi = gsi;
		ue[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		ue[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		ue[n++].u.irqchip.pin = gsi;
		if (gsi >= MINIKVM_PIC_PINS)
			continue;
		ue[n].gsi = gsi;
		ue[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		ue[n].u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
		ue[n++].u.irqchip.pin = gsi & 7;
	}
	ret = routing_replace(vm, ue, n);
	kfree(ue);
	return ret;
}

/**
 * minikvm_set_gsi_routing() - KVM_SET_GSI_ROUTING
 * @vm: the VM
 * @urouting: userspace's header and entries
 *
 * Return: 0, -EFAULT, -ENOMEM, or -EINVAL without in-kernel LAPICs, for
 * more than KVM_MAX_IRQ_ROUTES entries, flags, or an entry KVM refuses
 * (GSI out of range, unknown type or chip, pin out of range, flags, a
 * second pin of one chip or anything beside an MSI on one GSI, a chip
 * pin in split mode).
 */
int minikvm_set_gsi_routing(struct minikvm_vm *vm, struct kvm_irq_routing __user *urouting)
{
	struct kvm_irq_routing_entry *ue = NULL;
	struct kvm_irq_routing hdr;
	int ret;

	if (copy_from_user(&hdr, urouting, sizeof(hdr)))
		return -EFAULT;
	if (!minikvm_irqchip_in_kernel(vm) || hdr.nr > MINIKVM_MAX_IRQ_ROUTES || hdr.flags)
		return -EINVAL;
	if (hdr.nr) {
		ue = vmemdup_user(urouting->entries, array_size(sizeof(*ue), hdr.nr));
		if (IS_ERR(ue))
			return PTR_ERR(ue);
	}
	ret = routing_replace(vm, ue, hdr.nr);
	kvfree(ue);
	return ret;
}

/*
 * Pin @pin of @chip was acknowledged (the PIC's end of service, the
 * IOAPIC's EOI of a level pin): whoever listens on its GSI hears it.
 */
void minikvm_irqchip_acked(struct minikvm_vm *vm, unsigned int chip, unsigned int pin)
{
	struct minikvm_irq_routing *rt;
	int idx, gsi = -1;

	idx = srcu_read_lock(&vm->irq_srcu);
	rt = srcu_dereference(vm->irq_routing, &vm->irq_srcu);
	if (rt && chip < NR_IRQCHIPS && pin < KVM_IOAPIC_NUM_PINS)
		gsi = rt->chip_gsi[chip][pin];
	srcu_read_unlock(&vm->irq_srcu, idx);
	if (gsi < 0)
		return;
	/* KVM's PIT listens on GSI 0. */
	if (gsi == 0)
		minikvm_pit_irq_acked(vm);
	minikvm_irqfd_resample(vm, gsi);
}

/* irq/irqchip.h */
bool minikvm_split_ioapic_vector(struct minikvm_vcpu *vcpu, u8 vector)
{
	struct minikvm_vm *vm = vcpu->vm;
	struct minikvm_irq_routing *rt;
	struct minikvm_lapic_irq irq;
	bool found = false;
	unsigned int i;
	u32 gsi, pins;
	int idx;

	idx = srcu_read_lock(&vm->irq_srcu);
	rt = srcu_dereference(vm->irq_routing, &vm->irq_srcu);
	pins = rt ? min(rt->nr_gsis, vm->nr_reserved_ioapic_pins) : 0;
	for (gsi = 0; gsi < pins && !found; gsi++) {
		for (i = 0; i < rt->gsi[gsi].n; i++) {
			const struct irq_route *r = &rt->gsi[gsi].r[i];

			if (r->type != KVM_IRQ_ROUTING_MSI)
				continue;
			msi_to_irq(r->msi.address_lo, r->msi.data, &irq);
			if (irq.vector == vector && irq.trig_level &&
			    minikvm_lapic_irq_names(vcpu, &irq)) {
				found = true;
				break;
			}
		}
	}
	srcu_read_unlock(&vm->irq_srcu, idx);
	return found;
}

/**
 * minikvm_request_irq_source_id() - a source of its own for a device
 * @vm: the VM
 *
 * Return: the id, or -EFAULT when all are taken (KVM's answer).
 */
int minikvm_request_irq_source_id(struct minikvm_vm *vm)
{
	unsigned long id;

	mutex_lock(&vm->irq_lock);
	id = find_first_zero_bit(&vm->irq_sources, MINIKVM_NR_IRQ_SOURCES);
	if (id < MINIKVM_NR_IRQ_SOURCES)
		__set_bit(id, &vm->irq_sources);
	mutex_unlock(&vm->irq_lock);
	return id < MINIKVM_NR_IRQ_SOURCES ? (int)id : -EFAULT;
}

/* Give @source back: its share of every line goes low. */
void minikvm_free_irq_source_id(struct minikvm_vm *vm, int source)
{
	if (source <= MINIKVM_IRQFD_RESAMPLE_IRQ_SOURCE_ID || source >= MINIKVM_NR_IRQ_SOURCES)
		return;
	mutex_lock(&vm->irq_lock);
	__clear_bit(source, &vm->irq_sources);
	if (vm->ioapic)
		minikvm_ioapic_clear_source(vm, source);
	if (vm->pic)
		minikvm_pic_clear_source(vm, source);
	mutex_unlock(&vm->irq_lock);
}
