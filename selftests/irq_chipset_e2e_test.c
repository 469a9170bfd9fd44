// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts from the in-kernel chipset to a guest's handler and back:
 *
 *  - a level-triggered IOAPIC pin (KVM_IRQ_LINE): the handler runs, remote
 *    IRR is set until the handler's EOI to the LAPIC, and clear after;
 *    again with a 64-bit guest whose EOI is an x2APIC MSR write (an MSR
 *    exit today; with x2APIC virtualization, which minikvm has the code
 *    for but does not turn on, it would go through without an exit
 *    unless the EOI-exit bitmap names the vector);
 *  - an MSI from KVM_SIGNAL_MSI to the same guest;
 *  - the same through irqfds: a resampled one on the level pin, whose
 *    resamplefd is signalled at the EOI and whose line goes low then,
 *    and one on a GSI routed to an MSI;
 *  - the 8259 pair: a slave interrupt through the cascade and ExtINT to
 *    the BSP, the guest's EOIs to both chips.
 *
 * Needs the in-kernel LAPIC: on minikvm without KVM_GET_LAPIC it skips.
 */
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define PORT_HANDLER	0x11
#define COUNT40_GPA	0x8000
#define COUNT41_GPA	0x8004

/*
 * 32-bit guest: LAPIC software-enabled, IOAPIC pin 17 level to vector
 * 0x40 (dest APIC 0), interrupts on; it halts until each handler ran.
 */
asm(GUEST_ASM_BEGIN(e2e_guest, ".code32")
	"movl $0xfee000f0, %edi\n movl $0x1ff, %eax\n movl %eax, (%edi)\n"
	"movl $0xfec00000, %ebx\n movl $0xfec00010, %esi\n"
	"movl $0x33, %eax\n movl %eax, (%ebx)\n"
	"movl $0, %eax\n movl %eax, (%esi)\n"
	"movl $0x32, %eax\n movl %eax, (%ebx)\n"
	"movl $0x8040, %eax\n movl %eax, (%esi)\n"
	"sti\n"
	"outl %eax, $0x10\n"			/* 1: host asserts GSI 17 */
	/* Wait for the handler: STI;HLT, so no interrupt slips in between. */
	"1: cli\n cmpl $1, 0x8000\n je 2f\n sti\n hlt\n jmp 1b\n"
	"2: sti\n"
	"movl (%esi), %eax\n outl %eax, $0x10\n"	/* 2: RTE after EOI */
	"outl %eax, $0x10\n"			/* 3: host signals the MSI */
	"3: cli\n cmpl $1, 0x8004\n je 4f\n sti\n hlt\n jmp 3b\n"
	"4: movl 0x8000, %eax\n outl %eax, $0x10\n"	/* 4: handler ran once */
	"hlt\n"
	"e2e_handler40:\n"
	"outl %eax, $0x11\n"			/* host lowers the line */
	"movl $0xfee000b0, %edi\n movl $0, (%edi)\n"
	"incl 0x8000\n"
	"iret\n"
	"e2e_handler41:\n"
	"movl $0xfee000b0, %edi\n movl $0, (%edi)\n"
	"incl 0x8004\n"
	"iret\n"
	GUEST_ASM_END(e2e_guest));
GUEST_CODE(e2e_guest);
extern const char e2e_handler40[], e2e_handler41[];

/* A 32-bit interrupt gate for @vector to @gpa. */
static void set_gate(struct kvm_vm *vm, unsigned int vector, uint64_t gpa)
{
	uint32_t *g = vm_gpa(vm, IDT_GPA + 8 * vector);

	g[0] = (SEL_CODE32 << 16) | (gpa & 0xffff);
	g[1] = (gpa & 0xffff0000) | 0x8e00;
}

/*
 * KVM_CREATE_IRQCHIP and vCPU 0 of @vm; NULL, with @vm freed, on a
 * minikvm without the in-kernel LAPIC.
 */
static struct kvm_vcpu *lapic_vcpu(struct kvm_vm *vm)
{
	struct kvm_lapic_state lapic;
	struct kvm_vcpu *vcpu;

	TEST_ASSERT(!ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), "KVM_CREATE_IRQCHIP");
	vcpu = vcpu_create(vm, 0);
	if (test_dev_is_minikvm() && ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic)) {
		vcpu_free(vcpu);
		vm_free(vm);
		return NULL;
	}
	return vcpu;
}

/* The guest above, with its IDT. */
static void e2e_setup(struct kvm_vm *vm, struct kvm_vcpu *vcpu)
{
	struct kvm_sregs sregs;

	vm_load_guest(vm, CODE_GPA, e2e_guest);
	vcpu_setup_prot32(vcpu, CODE_GPA, false);
	set_gate(vm, 0x40, guest_label_gpa(CODE_GPA, e2e_guest, e2e_handler40));
	set_gate(vm, 0x41, guest_label_gpa(CODE_GPA, e2e_guest, e2e_handler41));
	vcpu_get_sregs(vcpu, &sregs);
	sregs.idt.limit = 0x7ff;
	vcpu_set_sregs(vcpu, &sregs);
}

TEST(irqfds)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[2];
	} rt = {
		.hdr.nr = 2,
		.e = {
			{ .gsi = 17, .type = KVM_IRQ_ROUTING_IRQCHIP,
			  .u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = 17 } },
			{ .gsi = 100, .type = KVM_IRQ_ROUTING_MSI,
			  .u.msi = { .address_lo = 0xfee00000, .data = 0x41 } },
		},
	};
	struct kvm_irqfd level = { .gsi = 17, .flags = KVM_IRQFD_FLAG_RESAMPLE };
	struct kvm_irqfd msi = { .gsi = 100 };
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct pollfd pfd = { .events = POLLIN };
	struct kvm_vcpu *vcpu;
	uint64_t one = 1, cnt = 0;

	vcpu = lapic_vcpu(vm);
	if (!vcpu)
		SKIP(return, "needs the in-kernel LAPIC");
	e2e_setup(vm, vcpu);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt));
	level.fd = eventfd(0, 0);
	level.resamplefd = eventfd(0, EFD_NONBLOCK);
	pfd.fd = level.resamplefd;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQFD, &level));
	msi.fd = eventfd(0, 0);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQFD, &msi));

	vcpu_run_until_out(vcpu, PORT_RESULT);
	ASSERT_EQ(8, write(level.fd, &one, 8));
	vcpu_run_until_out(vcpu, PORT_HANDLER);
	/* Before the EOI: line high, remote IRR set, nothing resampled. */
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(1u << 14, chip.chip.ioapic.redirtbl[17].bits & (1u << 14));
	EXPECT_EQ(1u << 17, chip.chip.ioapic.irr & (1u << 17));
	EXPECT_EQ(-1, read(level.resamplefd, &cnt, 8));
	/* The EOI lowered the line: no second delivery, remote IRR clear. */
	EXPECT_EQ(0x8040, vcpu_run_until_out(vcpu, PORT_RESULT));
	EXPECT_EQ(1, poll(&pfd, 1, 1000));
	EXPECT_EQ(8, read(level.resamplefd, &cnt, 8));
	EXPECT_EQ(1, cnt);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(0, chip.chip.ioapic.irr & (1u << 17));

	vcpu_run_until_out(vcpu, PORT_RESULT);
	ASSERT_EQ(8, write(msi.fd, &one, 8));
	EXPECT_EQ(1, vcpu_run_until_out(vcpu, PORT_RESULT));
	close(level.fd);
	close(level.resamplefd);
	close(msi.fd);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* x2APIC mode, 64-bit: SVR on, then the same wait as e2e_guest. */
asm(GUEST_ASM_BEGIN(x2_guest, ".code64")
	"mov $0x80f, %ecx\n mov $0x1ff, %eax\n xor %edx, %edx\n wrmsr\n"
	"sti\n"
	"outl %eax, $0x10\n"			/* 1: host asserts GSI 17 */
	"1: cli\n cmpl $1, 0x8000\n je 2f\n sti\n hlt\n jmp 1b\n"
	"2: sti\n"
	"outl %eax, $0x10\n"			/* 2: after the EOI */
	"3: hlt\n jmp 3b\n"
	"x2_handler:\n"
	"outl %eax, $0x11\n"			/* host lowers the line */
	"push %rax\n push %rcx\n push %rdx\n"
	"mov $0x80b, %ecx\n xor %eax, %eax\n xor %edx, %edx\n wrmsr\n"	/* EOI */
	"pop %rdx\n pop %rcx\n pop %rax\n"
	"incl 0x8000\n"
	"iretq\n"
	GUEST_ASM_END(x2_guest));
GUEST_CODE(x2_guest);
extern const char x2_handler[];

TEST(ioapic_level_x2apic_eoi)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_irq_level line = { .irq = 17, .level = 1 };
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	uint64_t h = guest_label_gpa(CODE_GPA, x2_guest, x2_handler);
	uint64_t *idt = vm_gpa(vm, IDT_GPA);
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;
	struct kvm_vcpu *vcpu;

	vcpu = lapic_vcpu(vm);
	if (!vcpu)
		SKIP(return, "needs the in-kernel LAPIC");
	cpuid = kvm_get_supported_cpuid(vm->dev_fd);
	cpuid_find(cpuid, 1, 0)->ecx |= 1u << 21;	/* x2APIC */
	vcpu_set_cpuid(vcpu, cpuid);
	free(cpuid);
	ASSERT_EQ(1, vcpu_set_msr(vcpu, 0x1b, 0xfee00000ull | 0xd00));
	/* Pin 17: level, vector 0x40, physical destination APIC 0. */
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	chip.chip.ioapic.redirtbl[17].bits = 0x8040;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_IRQCHIP, &chip));
	vm_load_guest(vm, CODE_GPA, x2_guest);
	vcpu_setup_long(vcpu, CODE_GPA);
	vcpu_setup_long_idt(vcpu);
	idt[2 * 0x40] = (h & 0xffff) | ((uint64_t)SEL_CODE64 << 16) | (0x8eull << 40) |
			((h >> 16) & 0xffff) << 48;
	idt[2 * 0x40 + 1] = h >> 32;
	vcpu_get_sregs(vcpu, &sregs);
	sregs.idt.limit = 0x41 * 16 - 1;
	vcpu_set_sregs(vcpu, &sregs);

	vcpu_run_until_out(vcpu, PORT_RESULT);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE, &line));
	vcpu_run_until_out(vcpu, PORT_HANDLER);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(1u << 14, chip.chip.ioapic.redirtbl[17].bits & (1u << 14));
	line.level = 0;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE, &line));
	vcpu_run_until_out(vcpu, PORT_RESULT);
	/* The x2APIC EOI reached the IOAPIC: remote IRR is clear. */
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(0u, chip.chip.ioapic.redirtbl[17].bits & (1u << 14));
	EXPECT_EQ(1u, *(uint32_t *)vm_gpa(vm, COUNT40_GPA));
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(ioapic_level_and_msi)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x41 };
	struct kvm_irq_level line = { .irq = 17, .level = 1 };
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_vcpu *vcpu;

	vcpu = lapic_vcpu(vm);
	if (!vcpu)
		SKIP(return, "needs the in-kernel LAPIC");
	e2e_setup(vm, vcpu);

	vcpu_run_until_out(vcpu, PORT_RESULT);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &line));
	EXPECT_EQ(1, line.status);
	vcpu_run_until_out(vcpu, PORT_HANDLER);
	/* In the handler, before its EOI: remote IRR is set. */
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(1u << 14, chip.chip.ioapic.redirtbl[17].bits & (1u << 14));
	/* The status overwrote the GSI (one union). */
	line = (struct kvm_irq_level){ .irq = 17, .level = 0 };
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE, &line));
	EXPECT_EQ(0x8040, vcpu_run_until_out(vcpu, PORT_RESULT));

	vcpu_run_until_out(vcpu, PORT_RESULT);
	EXPECT_EQ(1, ioctl(vm->fd, KVM_SIGNAL_MSI, &msi));
	EXPECT_EQ(1, vcpu_run_until_out(vcpu, PORT_RESULT));
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * The 8259 pair, vectors 0x20 (master) and 0x28 (slave), all unmasked;
 * the slave's IR2 handler (vector 0x2a) sends non-specific EOIs to the
 * slave, then the master.
 */
asm(GUEST_ASM_BEGIN(pic_e2e_guest, ".code32")
	"movb $0x11, %al\n outb %al, $0x20\n outb %al, $0xa0\n"
	"movb $0x20, %al\n outb %al, $0x21\n"
	"movb $0x28, %al\n outb %al, $0xa1\n"
	"movb $0x04, %al\n outb %al, $0x21\n"
	"movb $0x02, %al\n outb %al, $0xa1\n"
	"movb $0x01, %al\n outb %al, $0x21\n outb %al, $0xa1\n"
	"xorb %al, %al\n outb %al, $0x21\n outb %al, $0xa1\n"
	"sti\n"
	"outl %eax, $0x10\n"			/* 1: host raises GSI 10 */
	"1: cli\n cmpl $1, 0x8000\n je 2f\n sti\n hlt\n jmp 1b\n"
	"2: sti\n"
	/* Both ISRs are empty after the EOIs. */
	"movb $0x0b, %al\n outb %al, $0x20\n outb %al, $0xa0\n"
	"xorl %eax, %eax\n inb $0xa0, %al\n shll $8, %eax\n inb $0x20, %al\n"
	"outl %eax, $0x10\n"			/* 2: ISRs */
	"movl 0x8000, %eax\n outl %eax, $0x10\n"	/* 3: handler ran once */
	"hlt\n"
	"pic_e2e_handler:\n"
	"movl %eax, 0x8010\n"
	"movb $0x0b, %al\n outb %al, $0xa0\n"
	"xorl %eax, %eax\n inb $0xa0, %al\n movl %eax, 0x8008\n"	/* slave ISR in service */
	"movb $0x20, %al\n outb %al, $0xa0\n outb %al, $0x20\n"
	"incl 0x8000\n"
	"movl 0x8010, %eax\n"
	"iret\n"
	GUEST_ASM_END(pic_e2e_guest));
GUEST_CODE(pic_e2e_guest);
extern const char pic_e2e_handler[];

TEST(pic_cascade_extint)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_irq_level line = { .irq = 10, .level = 1 };
	struct kvm_sregs sregs;
	struct kvm_vcpu *vcpu;

	vcpu = lapic_vcpu(vm);
	if (!vcpu)
		SKIP(return, "needs the in-kernel LAPIC");
	vm_load_guest(vm, CODE_GPA, pic_e2e_guest);
	vcpu_setup_prot32(vcpu, CODE_GPA, false);
	set_gate(vm, 0x2a, guest_label_gpa(CODE_GPA, pic_e2e_guest, pic_e2e_handler));
	vcpu_get_sregs(vcpu, &sregs);
	sregs.idt.limit = 0x7ff;
	vcpu_set_sregs(vcpu, &sregs);

	vcpu_run_until_out(vcpu, PORT_RESULT);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &line));
	EXPECT_EQ(1, line.status);
	line = (struct kvm_irq_level){ .irq = 10, .level = 0 };
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE, &line));
	EXPECT_EQ(0, vcpu_run_until_out(vcpu, PORT_RESULT));
	EXPECT_EQ(1, vcpu_run_until_out(vcpu, PORT_RESULT));
	EXPECT_EQ(0x04, *(uint32_t *)vm_gpa(vm, 0x8008));
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
