// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel chipset (irq/chipset.c, irq/pic.c, irq/ioapic.c,
 * irq/routing.c, irq/irqfd.c) where no LAPIC has to take an interrupt,
 * as KVM answers it:
 *
 *  - KVM_CREATE_IRQCHIP: -EEXIST the second time, -EINVAL after a vCPU;
 *    the chipset ioctls' answers without it;
 *  - KVM_GET/SET_IRQCHIP round trips, reset values, a bad chip id
 *    refused with nothing changed;
 *  - KVM_IRQ_LINE_STATUS: delivered, coalesced and masked values through
 *    KVM's default routes, and remote IRR of a level pin;
 *  - KVM_SET_GSI_ROUTING's rejections, which change nothing;
 *  - KVM_IRQFD's rules, and a level irqfd on the PIC resampled by the
 *    guest's poll-mode acknowledgement;
 *  - a guest that programs both PICs by port I/O (ICW1-4, OCW1, OCW3 IRR
 *    and ISR reads, poll mode, the cascade, ELCR) and the IOAPIC through
 *    its MMIO windows.
 */
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define IOAPIC_RTE_LEVEL	(1u << 15)
#define IOAPIC_RTE_REMOTE_IRR	(1u << 14)
#define IOAPIC_RTE_MASK		(1u << 16)

static struct kvm_vm *vm_create_irqchip(void)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);

	TEST_ASSERT(!ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), "KVM_CREATE_IRQCHIP");
	return vm;
}

static int irq_line_status(struct kvm_vm *vm, uint32_t gsi, int level)
{
	struct kvm_irq_level line = { .irq = gsi, .level = level };

	TEST_ASSERT(!ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &line), "KVM_IRQ_LINE_STATUS");
	return line.status;
}

static void get_chip(struct kvm_vm *vm, uint32_t id, struct kvm_irqchip *chip)
{
	memset(chip, 0, sizeof(*chip));
	chip->chip_id = id;
	TEST_ASSERT(!ioctl(vm->fd, KVM_GET_IRQCHIP, chip), "KVM_GET_IRQCHIP %u", id);
}

static void set_chip(struct kvm_vm *vm, struct kvm_irqchip *chip)
{
	TEST_ASSERT(!ioctl(vm->fd, KVM_SET_IRQCHIP, chip), "KVM_SET_IRQCHIP");
}

/* Program IOAPIC pin @pin with the low dword @lo (dest 0) by KVM_SET_IRQCHIP. */
static void set_rte(struct kvm_vm *vm, unsigned int pin, uint32_t lo)
{
	struct kvm_irqchip chip;

	get_chip(vm, KVM_IRQCHIP_IOAPIC, &chip);
	chip.chip.ioapic.redirtbl[pin].bits = lo;
	set_chip(vm, &chip);
}

static uint64_t get_rte(struct kvm_vm *vm, unsigned int pin)
{
	struct kvm_irqchip chip;

	get_chip(vm, KVM_IRQCHIP_IOAPIC, &chip);
	return chip.chip.ioapic.redirtbl[pin].bits;
}

TEST(capabilities)
{
	static const int caps[] = {
		KVM_CAP_IRQCHIP, KVM_CAP_IRQ_INJECT_STATUS, KVM_CAP_IRQFD,
		KVM_CAP_IRQFD_RESAMPLE, KVM_CAP_SIGNAL_MSI,
	};
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(caps); i++)
		EXPECT_EQ(1, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, caps[i]))
			TH_LOG("capability %d", caps[i]);
	vm_free(vm);
}

TEST(without_irqchip)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_irq_level line = { .irq = 3, .level = 1 };
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x40 };
	struct kvm_irqfd irqfd = { .gsi = 3 };

	EXPECT_EQ(-1, ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_IRQCHIP, &chip));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_IRQ_LINE, &line));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &line));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SIGNAL_MSI, &msi));
	EXPECT_EQ(EINVAL, errno);
	irqfd.fd = eventfd(0, 0);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_IRQFD, &irqfd));
	EXPECT_EQ(EINVAL, errno);
	close(irqfd.fd);
	vm_free(vm);
}

TEST(create_rules)
{
	struct kvm_vm *vm = vm_create_irqchip();
	struct kvm_vcpu *vcpu;

	EXPECT_EQ(-1, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	EXPECT_EQ(EEXIST, errno);
	vm_free(vm);

	vm = vm_create(GUEST_MEM_SIZE);
	vcpu = vcpu_create(vm, 0);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	EXPECT_EQ(EINVAL, errno);
	/* Refused: still no chipset. */
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_GET_IRQCHIP, &(struct kvm_irqchip){ .chip_id = 0 }));
	EXPECT_EQ(ENXIO, errno);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(reset_state_and_round_trip)
{
	struct kvm_vm *vm = vm_create_irqchip();
	struct kvm_irqchip chip, back, bad;
	unsigned int pin;

	get_chip(vm, KVM_IRQCHIP_PIC_MASTER, &chip);
	EXPECT_EQ(0xf8, chip.chip.pic.elcr_mask);
	EXPECT_EQ(0, chip.chip.pic.imr);
	get_chip(vm, KVM_IRQCHIP_PIC_SLAVE, &chip);
	EXPECT_EQ(0xde, chip.chip.pic.elcr_mask);
	get_chip(vm, KVM_IRQCHIP_IOAPIC, &chip);
	EXPECT_EQ(0xfec00000, chip.chip.ioapic.base_address);
	for (pin = 0; pin < KVM_IOAPIC_NUM_PINS; pin++)
		EXPECT_EQ(IOAPIC_RTE_MASK, chip.chip.ioapic.redirtbl[pin].bits);

	get_chip(vm, KVM_IRQCHIP_PIC_SLAVE, &chip);
	chip.chip.pic.imr = 0x5a;
	chip.chip.pic.irq_base = 0x70;
	chip.chip.pic.elcr = 0x02;
	chip.chip.pic.read_reg_select = 1;
	set_chip(vm, &chip);
	get_chip(vm, KVM_IRQCHIP_PIC_SLAVE, &back);
	EXPECT_EQ(0, memcmp(&chip.chip.pic, &back.chip.pic, sizeof(chip.chip.pic)));

	get_chip(vm, KVM_IRQCHIP_IOAPIC, &chip);
	chip.chip.ioapic.id = 3;
	chip.chip.ioapic.ioregsel = 0x12;
	chip.chip.ioapic.redirtbl[7].bits = 0x0200000000000951ull;
	set_chip(vm, &chip);
	get_chip(vm, KVM_IRQCHIP_IOAPIC, &back);
	EXPECT_EQ(0, memcmp(&chip.chip.ioapic, &back.chip.ioapic, sizeof(chip.chip.ioapic)));

	/* A bad chip id: refused both ways, nothing changes. */
	memset(&bad, 0xff, sizeof(bad));
	bad.chip_id = 3;
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_IRQCHIP, &bad));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_GET_IRQCHIP, &bad));
	EXPECT_EQ(EINVAL, errno);
	get_chip(vm, KVM_IRQCHIP_IOAPIC, &back);
	EXPECT_EQ(0, memcmp(&chip.chip.ioapic, &back.chip.ioapic, sizeof(chip.chip.ioapic)));
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_GET_IRQCHIP, NULL));
	EXPECT_EQ(EFAULT, errno);
	vm_free(vm);
}

/* No vCPU: an IOAPIC message reaches no LAPIC (-1) on either device. */
TEST(line_status)
{
	struct kvm_vm *vm = vm_create_irqchip();
	struct kvm_irqchip chip;
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x40 };

	/*
	 * GSI 3: PIC pin (unmasked at reset) and IOAPIC pin (masked, then
	 * coalesced while its IRR bit is set); a lowered line counts 1 on each.
	 */
	EXPECT_EQ(1, irq_line_status(vm, 3, 1));
	EXPECT_EQ(1, irq_line_status(vm, 3, 1));
	EXPECT_EQ(2, irq_line_status(vm, 3, 0));
	get_chip(vm, KVM_IRQCHIP_PIC_MASTER, &chip);
	EXPECT_EQ(0x08, chip.chip.pic.irr);
	/* GSI 16: the IOAPIC alone, masked; no route at all past 23. */
	EXPECT_EQ(-1, irq_line_status(vm, 16, 1));
	EXPECT_EQ(-1, irq_line_status(vm, 5000, 1));

	/* Edge pin 20: the second assertion while pending is coalesced. */
	set_rte(vm, 20, 0x41);
	EXPECT_EQ(-1, irq_line_status(vm, 20, 1));
	EXPECT_EQ(0, irq_line_status(vm, 20, 1));
	EXPECT_EQ(1, irq_line_status(vm, 20, 0));

	/* Level pin 21: remote IRR set, then re-assertions do nothing. */
	set_rte(vm, 21, 0x42 | IOAPIC_RTE_LEVEL);
	EXPECT_EQ(-1, irq_line_status(vm, 21, 1));
	EXPECT_EQ(0x42 | IOAPIC_RTE_LEVEL | IOAPIC_RTE_REMOTE_IRR, get_rte(vm, 21));
	get_chip(vm, KVM_IRQCHIP_IOAPIC, &chip);
	EXPECT_EQ(1u << 21, chip.chip.ioapic.irr & (1u << 21));
	EXPECT_EQ(-1, irq_line_status(vm, 21, 1));
	EXPECT_EQ(1, irq_line_status(vm, 21, 0));
	get_chip(vm, KVM_IRQCHIP_IOAPIC, &chip);
	EXPECT_EQ(0, chip.chip.ioapic.irr & (1u << 21));
	/* Made edge, the pin has no remote IRR. */
	set_rte(vm, 21, 0x42);
	EXPECT_EQ(0x42, get_rte(vm, 21));

	/* An MSI nobody takes: KVM's -1, seen as EPERM. */
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SIGNAL_MSI, &msi));
	EXPECT_EQ(EPERM, errno);
	msi.flags = 2;
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SIGNAL_MSI, &msi));
	EXPECT_EQ(EINVAL, errno);
	vm_free(vm);
}

static int set_routing(struct kvm_vm *vm, const struct kvm_irq_routing_entry *e,
		       unsigned int nr, uint32_t flags)
{
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[4];
	} r;

	memset(&r, 0, sizeof(r));
	r.hdr.nr = nr;
	r.hdr.flags = flags;
	memcpy(r.e, e, nr * sizeof(*e));
	return ioctl(vm->fd, KVM_SET_GSI_ROUTING, &r);
}

#define CHIP_ROUTE(g, c, p) { .gsi = (g), .type = KVM_IRQ_ROUTING_IRQCHIP, \
			      .u.irqchip = { .irqchip = (c), .pin = (p) } }
#define MSI_ROUTE(g) { .gsi = (g), .type = KVM_IRQ_ROUTING_MSI, \
		       .u.msi = { .address_lo = 0xfee00000, .data = 0x40 } }

TEST(gsi_routing)
{
	static const struct {
		struct kvm_irq_routing_entry e[2];
		unsigned int nr;
		const char *what;
	} bad[] = {
		{ { CHIP_ROUTE(4096, KVM_IRQCHIP_IOAPIC, 1) }, 1, "GSI too big" },
		{ { CHIP_ROUTE(1, 3, 1) }, 1, "chip 3" },
		{ { CHIP_ROUTE(1, KVM_IRQCHIP_PIC_MASTER, 8) }, 1, "PIC pin 8" },
		{ { CHIP_ROUTE(1, KVM_IRQCHIP_PIC_SLAVE, 8) }, 1, "slave pin 8" },
		{ { CHIP_ROUTE(1, KVM_IRQCHIP_IOAPIC, 24) }, 1, "IOAPIC pin 24" },
		{ { CHIP_ROUTE(1, KVM_IRQCHIP_IOAPIC, 1), CHIP_ROUTE(1, KVM_IRQCHIP_IOAPIC, 2) },
		  2, "two IOAPIC pins on one GSI" },
		{ { MSI_ROUTE(1), CHIP_ROUTE(1, KVM_IRQCHIP_IOAPIC, 2) }, 2, "MSI beside a pin" },
		{ { MSI_ROUTE(1), MSI_ROUTE(1) }, 2, "two MSIs" },
		{ { { .gsi = 1, .type = 99 } }, 1, "type 99" },
		{ { { .gsi = 1, .type = KVM_IRQ_ROUTING_IRQCHIP, .flags = 1,
		      .u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC } } }, 1, "irqchip flags" },
		{ { { .gsi = 1, .type = KVM_IRQ_ROUTING_MSI, .flags = 2 } }, 1, "MSI flags" },
	};
	struct kvm_irq_routing_entry ok[] = {
		CHIP_ROUTE(1, KVM_IRQCHIP_IOAPIC, 1), CHIP_ROUTE(1, KVM_IRQCHIP_PIC_SLAVE, 7),
		MSI_ROUTE(4095),
	};
	struct kvm_irq_routing big = { .nr = 4097 };
	struct kvm_vm *vm = vm_create_irqchip();
	struct kvm_irqchip chip;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-1, set_routing(vm, bad[i].e, bad[i].nr, 0)) TH_LOG("%s", bad[i].what);
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s", bad[i].what);
	}
	EXPECT_EQ(-1, set_routing(vm, ok, 1, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_GSI_ROUTING, &big));
	EXPECT_EQ(EINVAL, errno);
	/* The default routes are still in place: GSI 3 reaches the PIC. */
	EXPECT_EQ(1, irq_line_status(vm, 3, 1));
	EXPECT_EQ(2, irq_line_status(vm, 3, 0));

	/* GSI 1 on IOAPIC pin 1 and slave pin 7; an MSI on GSI 4095. */
	EXPECT_EQ(0, set_routing(vm, ok, ARRAY_SIZE(ok), 0));
	EXPECT_EQ(-1, irq_line_status(vm, 3, 1));
	EXPECT_EQ(1, irq_line_status(vm, 1, 1));
	get_chip(vm, KVM_IRQCHIP_PIC_SLAVE, &chip);
	EXPECT_EQ(0x80, chip.chip.pic.irr);
	EXPECT_EQ(-1, irq_line_status(vm, 4095, 1));
	EXPECT_EQ(-1, irq_line_status(vm, 4095, 0));

	EXPECT_EQ(0, set_routing(vm, ok, 0, 0));
	EXPECT_EQ(-1, irq_line_status(vm, 1, 1));
	vm_free(vm);
}

TEST(irqfd_rules)
{
	struct kvm_vm *vm = vm_create_irqchip();
	struct kvm_irqfd a = { .gsi = 5 };
	int pipefd[2], efd = eventfd(0, 0), rfd = eventfd(0, 0), efd2 = eventfd(0, 0);

	ASSERT_EQ(0, pipe(pipefd));
	a.fd = efd;
	a.flags = 4;
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_IRQFD, &a));
	EXPECT_EQ(EINVAL, errno);
	a.flags = 0;
	a.fd = -1;
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_IRQFD, &a));
	EXPECT_EQ(EBADF, errno);
	a.fd = pipefd[0];
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_IRQFD, &a));
	EXPECT_EQ(EINVAL, errno);
	a.fd = efd;
	a.flags = KVM_IRQFD_FLAG_RESAMPLE;
	a.resamplefd = pipefd[0];
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_IRQFD, &a));
	EXPECT_EQ(EINVAL, errno);
	a.flags = 0;
	EXPECT_EQ(0, ioctl(vm->fd, KVM_IRQFD, &a));
	/* One eventfd, one irqfd, whatever the GSI. */
	a.gsi = 6;
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_IRQFD, &a));
	EXPECT_EQ(EBUSY, errno);
	/* Deassigning a pair that is not assigned is no error. */
	a.flags = KVM_IRQFD_FLAG_DEASSIGN;
	EXPECT_EQ(0, ioctl(vm->fd, KVM_IRQFD, &a));
	a.gsi = 5;
	EXPECT_EQ(0, ioctl(vm->fd, KVM_IRQFD, &a));
	a.flags = 0;
	a.gsi = 6;
	EXPECT_EQ(0, ioctl(vm->fd, KVM_IRQFD, &a));
	/* Resampled ones, two on one GSI; the VM goes with them assigned. */
	a.fd = efd2;
	a.gsi = 9;
	a.flags = KVM_IRQFD_FLAG_RESAMPLE;
	a.resamplefd = rfd;
	EXPECT_EQ(0, ioctl(vm->fd, KVM_IRQFD, &a));
	close(efd);
	a.fd = eventfd(0, 0);
	EXPECT_EQ(0, ioctl(vm->fd, KVM_IRQFD, &a));
	close(a.fd);
	close(pipefd[0]);
	close(pipefd[1]);
	vm_free(vm);
	close(efd2);
	close(rfd);
}

/*
 * 32-bit guest, interrupts off throughout. Each "outl %eax, $0x10"
 * reports a value (or syncs with the host, which drives lines then).
 */
asm(GUEST_ASM_BEGIN(pic_guest, ".code32")
	/* Master: ICW1 edge + ICW4, base 0x20, slave on IR2, 8086 mode. */
	"movb $0x11, %al\n outb %al, $0x20\n"
	"movb $0x20, %al\n outb %al, $0x21\n"
	"movb $0x04, %al\n outb %al, $0x21\n"
	"movb $0x01, %al\n outb %al, $0x21\n"
	/* Slave: base 0x28, cascade identity 2. */
	"movb $0x11, %al\n outb %al, $0xa0\n"
	"movb $0x28, %al\n outb %al, $0xa1\n"
	"movb $0x02, %al\n outb %al, $0xa1\n"
	"movb $0x01, %al\n outb %al, $0xa1\n"
	/* OCW1: mask IR5 on the master, read it back. */
	"movb $0x20, %al\n outb %al, $0x21\n"
	"xorl %eax, %eax\n inb $0x21, %al\n outl %eax, $0x10\n"	/* 1: IMR */
	"outl %eax, $0x10\n"		/* 2: host raises GSI 3, GSI 5 */
	/* OCW3 read IRR, then ISR. */
	"movb $0x0a, %al\n outb %al, $0x20\n"
	"xorl %eax, %eax\n inb $0x20, %al\n outl %eax, $0x10\n"	/* 3: IRR */
	"movb $0x0b, %al\n outb %al, $0x20\n"
	"xorl %eax, %eax\n inb $0x20, %al\n outl %eax, $0x10\n"	/* 4: ISR */
	/* Poll: the best request, acknowledged. */
	"movb $0x0c, %al\n outb %al, $0x20\n"
	"xorl %eax, %eax\n inb $0x20, %al\n outl %eax, $0x10\n"	/* 5: 3 */
	"movb $0x0a, %al\n outb %al, $0x20\n"
	"xorl %eax, %eax\n inb $0x20, %al\n outl %eax, $0x10\n"	/* 6: IRR */
	"outl %eax, $0x10\n"		/* 7: host raises GSI 10 (slave IR2) */
	"movb $0x0a, %al\n outb %al, $0xa0\n"
	"xorl %eax, %eax\n inb $0xa0, %al\n outl %eax, $0x10\n"	/* 8: slave IRR */
	"xorl %eax, %eax\n inb $0x20, %al\n outl %eax, $0x10\n"	/* 9: master IRR */
	"movb $0x0c, %al\n outb %al, $0xa0\n"
	"xorl %eax, %eax\n inb $0xa0, %al\n outl %eax, $0x10\n"	/* 10: 2 */
	"xorl %eax, %eax\n inb $0x20, %al\n outl %eax, $0x10\n"	/* 11: master IRR */
	/* Poll with nothing requested: 7. */
	"movb $0x0c, %al\n outb %al, $0x20\n"
	"xorl %eax, %eax\n inb $0x20, %al\n outl %eax, $0x10\n"	/* 12: 7 */
	/* ELCR: only the bits that exist stick. */
	"movb $0xff, %al\n movw $0x4d0, %dx\n outb %al, %dx\n"
	"xorl %eax, %eax\n inb %dx, %al\n outl %eax, $0x10\n"	/* 13: 0xf8 */
	"movb $0xff, %al\n movw $0x4d1, %dx\n outb %al, %dx\n"
	"xorl %eax, %eax\n inb %dx, %al\n outl %eax, $0x10\n"	/* 14: 0xde */
	"hlt\n"
	GUEST_ASM_END(pic_guest));
GUEST_CODE(pic_guest);

static uint32_t next_out(struct kvm_vcpu *vcpu)
{
	return vcpu_run_until_out(vcpu, PORT_RESULT);
}

TEST(pic_guest)
{
	struct kvm_vm *vm = vm_create_irqchip();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_irqchip chip;

	vm_load_guest(vm, CODE_GPA, pic_guest);
	vcpu_setup_prot32(vcpu, CODE_GPA, false);

	EXPECT_EQ(0x20, next_out(vcpu));
	next_out(vcpu);
	EXPECT_EQ(1, irq_line_status(vm, 3, 1));
	EXPECT_EQ(2, irq_line_status(vm, 3, 0));
	EXPECT_EQ(-1, irq_line_status(vm, 5, 1));	/* masked on both chips */
	EXPECT_EQ(0x28, next_out(vcpu));		/* IRR: 3 and 5 */
	EXPECT_EQ(0, next_out(vcpu));			/* ISR */
	EXPECT_EQ(3, next_out(vcpu));			/* poll */
	EXPECT_EQ(0x20, next_out(vcpu));		/* IRR: the masked 5 stays */
	get_chip(vm, KVM_IRQCHIP_PIC_MASTER, &chip);
	EXPECT_EQ(0x20, chip.chip.pic.irq_base);
	EXPECT_EQ(0, chip.chip.pic.isr);
	next_out(vcpu);
	EXPECT_EQ(1, irq_line_status(vm, 10, 1));
	EXPECT_EQ(2, irq_line_status(vm, 10, 0));
	EXPECT_EQ(0x04, next_out(vcpu));		/* slave IRR */
	EXPECT_EQ(0x24, next_out(vcpu));		/* master IRR: cascade */
	EXPECT_EQ(2, next_out(vcpu));			/* slave poll */
	EXPECT_EQ(0x20, next_out(vcpu));		/* cascade request gone */
	EXPECT_EQ(7, next_out(vcpu));
	EXPECT_EQ(0xf8, next_out(vcpu));
	EXPECT_EQ(0xde, next_out(vcpu));
	get_chip(vm, KVM_IRQCHIP_PIC_SLAVE, &chip);
	EXPECT_EQ(0x28, chip.chip.pic.irq_base);
	EXPECT_EQ(0xde, chip.chip.pic.elcr);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * IOAPIC at 0xfec00000: IOREGSEL at +0, IOWIN at +0x10. The guest first
 * software-enables its LAPIC (SVR), so that KVM's LAPIC takes the level
 * message and remote IRR sets; without an in-kernel LAPIC the write is an
 * MMIO exit the host passes over, and remote IRR sets all the same.
 */
asm(GUEST_ASM_BEGIN(ioapic_guest, ".code32")
	"movl $0xfee000f0, %edi\n movl $0x1ff, %eax\n movl %eax, (%edi)\n"
	"movl $0xfec00000, %ebx\n"
	"movl $0xfec00010, %esi\n"
	"movl $0x01, %eax\n movl %eax, (%ebx)\n"
	"movl (%esi), %eax\n outl %eax, $0x10\n"			/* version */
	"movl $0x00, %eax\n movl %eax, (%ebx)\n"
	"movl $0x0f000000, %eax\n movl %eax, (%esi)\n"
	"movl (%esi), %eax\n outl %eax, $0x10\n"			/* ID */
	/* Pin 17: vector 0x51, level, dest 0; the high dword first. */
	"movl $0x33, %eax\n movl %eax, (%ebx)\n"
	"movl $0x00000000, %eax\n movl %eax, (%esi)\n"
	"movl $0x32, %eax\n movl %eax, (%ebx)\n"
	"movl $0x00008051, %eax\n movl %eax, (%esi)\n"
	"movl (%esi), %eax\n outl %eax, $0x10\n"			/* low dword */
	"movl (%ebx), %eax\n outl %eax, $0x10\n"			/* IOREGSEL */
	"outl %eax, $0x10\n"			/* host asserts GSI 17 */
	"movl (%esi), %eax\n outl %eax, $0x10\n"			/* remote IRR */
	/* Rewrite it edge: remote IRR goes. */
	"movl $0x00000051, %eax\n movl %eax, (%esi)\n"
	"movl (%esi), %eax\n outl %eax, $0x10\n"
	/* Past the table: all ones. */
	"movl $0x40, %eax\n movl %eax, (%ebx)\n"
	"movl (%esi), %eax\n outl %eax, $0x10\n"
	"hlt\n"
	GUEST_ASM_END(ioapic_guest));
GUEST_CODE(ioapic_guest);

static uint32_t next_out_past_mmio(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	for (;;) {
		vcpu_run(vcpu);
		if (run->exit_reason != KVM_EXIT_MMIO)
			break;
	}
	TEST_ASSERT(run->exit_reason == KVM_EXIT_IO && run->io.port == PORT_RESULT,
		    "exit %u port 0x%x", run->exit_reason, run->io.port);
	return *(uint32_t *)io_data(vcpu);
}

TEST(ioapic_guest)
{
	struct kvm_vm *vm = vm_create_irqchip();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_irqchip chip;
	int status;

	vm_load_guest(vm, CODE_GPA, ioapic_guest);
	vcpu_setup_prot32(vcpu, CODE_GPA, false);

	EXPECT_EQ(0x00170011, next_out_past_mmio(vcpu));
	EXPECT_EQ(0x0f000000, next_out(vcpu));
	EXPECT_EQ(0x00008051, next_out(vcpu));
	EXPECT_EQ(0x32, next_out(vcpu));
	get_chip(vm, KVM_IRQCHIP_IOAPIC, &chip);
	EXPECT_EQ(15, chip.chip.ioapic.id);
	EXPECT_EQ(0x8051, chip.chip.ioapic.redirtbl[17].bits);
	next_out(vcpu);
	/* Delivered to vCPU 0's LAPIC on KVM; no LAPIC took it (-1) without one. */
	status = irq_line_status(vm, 17, 1);
	EXPECT_TRUE(status == 1 || (test_dev_is_minikvm() && status == -1)) TH_LOG("%d", status);
	EXPECT_EQ(-1, irq_line_status(vm, 17, 1));	/* remote IRR holds it */
	EXPECT_EQ(0x8051 | IOAPIC_RTE_REMOTE_IRR, next_out(vcpu));
	EXPECT_EQ(0x0051, next_out(vcpu));
	EXPECT_EQ(0xffffffff, next_out(vcpu));
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * A level irqfd on GSI 3 with ELCR making master IR3 level-triggered:
 * the guest's poll acknowledges it, which lowers the line and signals
 * the resamplefd.
 */
asm(GUEST_ASM_BEGIN(resample_guest, ".code32")
	"outl %eax, $0x10\n"
	"movb $0x0c, %al\n outb %al, $0x20\n"
	"xorl %eax, %eax\n inb $0x20, %al\n outl %eax, $0x10\n"
	"movb $0x0a, %al\n outb %al, $0x20\n"
	"xorl %eax, %eax\n inb $0x20, %al\n outl %eax, $0x10\n"
	"hlt\n"
	GUEST_ASM_END(resample_guest));
GUEST_CODE(resample_guest);

static bool wait_irr(struct kvm_vm *vm, uint8_t bit)
{
	struct kvm_irqchip chip;
	int i;

	for (i = 0; i < 1000; i++) {
		get_chip(vm, KVM_IRQCHIP_PIC_MASTER, &chip);
		if (chip.chip.pic.irr & bit)
			return true;
		usleep(1000);
	}
	return false;
}

TEST(irqfd_resample_pic)
{
	struct kvm_vm *vm = vm_create_irqchip();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_irqfd a = { .gsi = 3, .flags = KVM_IRQFD_FLAG_RESAMPLE };
	struct pollfd pfd = { .events = POLLIN };
	struct kvm_irqchip chip;
	uint64_t one = 1, cnt = 0;

	vm_load_guest(vm, CODE_GPA, resample_guest);
	vcpu_setup_prot32(vcpu, CODE_GPA, false);
	get_chip(vm, KVM_IRQCHIP_PIC_MASTER, &chip);
	chip.chip.pic.elcr = 0x08;
	set_chip(vm, &chip);
	a.fd = eventfd(0, 0);
	a.resamplefd = eventfd(0, EFD_NONBLOCK);
	pfd.fd = a.resamplefd;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQFD, &a));

	next_out(vcpu);
	ASSERT_EQ(8, write(a.fd, &one, 8));
	ASSERT_TRUE(wait_irr(vm, 0x08));
	EXPECT_EQ(-1, read(a.resamplefd, &cnt, 8));	/* nothing acknowledged yet */
	EXPECT_EQ(3, next_out(vcpu));
	EXPECT_EQ(1, poll(&pfd, 1, 1000));
	EXPECT_EQ(8, read(a.resamplefd, &cnt, 8));
	EXPECT_EQ(1, cnt);
	EXPECT_EQ(0, next_out(vcpu));			/* the line went low */

	a.flags |= KVM_IRQFD_FLAG_DEASSIGN;
	EXPECT_EQ(0, ioctl(vm->fd, KVM_IRQFD, &a));
	close(a.fd);
	close(a.resamplefd);
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
