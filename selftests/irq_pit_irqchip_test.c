// SPDX-License-Identifier: GPL-2.0
/*
 * The PIT's interrupt end to end, through KVM_CREATE_IRQCHIP (irq/pit_timer.c
 * raising GSI 0, the in-kernel 8259 giving vector 0x20 through the BSP's
 * LINT0 in ExtINT mode, KVM's reset state):
 *
 *  - a real-mode guest initializes the master PIC (vectors 0x20-0x27,
 *    only IRQ 0 unmasked), programs channel 0 in mode 2 at 200 Hz, and
 *    counts its handler's runs (each ends with a non-specific EOI) for
 *    a quarter of a second of TSC time (1/RUN_PER_S: at half a second,
 *    make check's eight runs, two guests on four devices, took 481 s of
 *    the Bochs test VM's wall time): the count is the programmed rate
 *    times the time (-25%/+10% for Bochs; reinjection, on by default,
 *    makes up ticks the guest was too slow to take);
 *  - with the timer running, channel 0 reads down;
 *  - the same rate through the IOAPIC, as a PC with an MADT has it
 *    (mkvm run's routing: GSI 0 to edge pin 2, vector 0x30): each run of
 *    the handler ends with an EOI to the LAPIC. With reinjection the
 *    next tick waits for that EOI of an edge pin's vector, so a device
 *    that never passes it on to the PIT delivers one tick only.
 *
 * Skipped on minikvm while it has no in-kernel LAPIC (KVM_GET_LAPIC
 * fails): the PIC's ExtINT has no way to the vCPU yet.
 */
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <x86intrin.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define PIT_HZ		1193182.0
#define PIT_COUNT	5966		/* 200 Hz */
#define TICKS_GPA	0x8000		/* handler runs */
#define COUNT_GPA	0x8100		/* the host's count for channel 0 */
#define RUN_GPA		0x8104		/* the host's TSC cycles to run */
#define VEC_PIT		0x20
#define VEC_IOAPIC	0x30
#define RUN_PER_S	4		/* each guest runs 1/RUN_PER_S s of TSC time */

asm(GUEST_ASM_BEGIN(tick_guest, ".code16")
	"cli\n"
	"mov $0x11, %al\nout %al, $0x20\n"	/* ICW1: edge, cascade, ICW4 */
	"mov $0x20, %al\nout %al, $0x21\n"	/* ICW2: vectors 0x20-0x27 */
	"mov $0x04, %al\nout %al, $0x21\n"	/* ICW3: slave on IRQ 2 */
	"mov $0x01, %al\nout %al, $0x21\n"	/* ICW4: 8086 mode */
	"mov $0xfe, %al\nout %al, $0x21\n"	/* OCW1: IRQ 0 only */
	"mov $0x34, %al\nout %al, $0x43\n"	/* ch0, word, mode 2 */
	"mov 0x8100, %ax\nout %al, $0x40\nmov %ah, %al\nout %al, $0x40\n"
	"rdtsc\nmov %eax, %esi\n"
	"sti\n"
	"1: rdtsc\nsub %esi, %eax\ncmp 0x8104, %eax\njb 1b\n"
	"cli\n"
	/* Latch channel 0 twice, a little apart. */
	"mov $0x00, %al\nout %al, $0x43\n"
	"in $0x40, %al\nmov %al, 0x8010\nin $0x40, %al\nmov %al, 0x8011\n"
	"mov $2000, %cx\n2: pause\nloop 2b\n"
	"mov $0x00, %al\nout %al, $0x43\n"
	"in $0x40, %al\nmov %al, 0x8012\nin $0x40, %al\nmov %al, 0x8013\n"
	"mov 0x8000, %eax\n"
	"out %eax, $0x10\n"
	"tick_guest_handler:\n"
	"incl 0x8000\n"
	"push %ax\nmov $0x20, %al\nout %al, $0x20\npop %ax\n"	/* EOI */
	"iret\n"
	GUEST_ASM_END(tick_guest));
GUEST_CODE(tick_guest);
extern const char tick_guest_handler[];

TEST(mode2_rate_counted_in_guest)
{
	struct kvm_pit_config config = { .flags = KVM_PIT_SPEAKER_DUMMY };
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_lapic_state lapic;
	struct kvm_vcpu *vcpu;
	uint32_t *ivt = vm_gpa(vm, 0);
	double hz = test_tsc_hz(), want;
	uint32_t ticks;
	uint16_t c1, c2;

	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_PIT2, &config));
	vcpu = vcpu_create(vm, 0);
	/* The PIC's ExtINT goes through the BSP's LAPIC (LINT0). */
	if (test_dev_is_minikvm() && ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic)) {
		vcpu_free(vcpu);
		vm_free(vm);
		SKIP(return, "needs the in-kernel LAPIC");
	}
	vm_load_guest(vm, CODE_GPA, tick_guest);
	vcpu_setup_real(vcpu, CODE_GPA);
	ivt[VEC_PIT] = (CODE_GPA >> 4) << 16 | (uint16_t)(tick_guest_handler - tick_guest_start);
	*(uint16_t *)vm_gpa(vm, COUNT_GPA) = PIT_COUNT;
	*(uint32_t *)vm_gpa(vm, RUN_GPA) = hz / RUN_PER_S;

	ticks = vcpu_run_until_out(vcpu, PORT_RESULT);
	want = PIT_HZ / PIT_COUNT / RUN_PER_S;
	EXPECT_GE(ticks, want * 0.75) TH_LOG("%u ticks in 1/%d s, want %.0f", ticks, RUN_PER_S, want);
	EXPECT_LE(ticks, want * 1.1 + 1) TH_LOG("%u ticks in 1/%d s, want %.0f", ticks, RUN_PER_S, want);
	/* Channel 0 runs on its timer: the second latch reads lower. */
	c1 = *(uint16_t *)vm_gpa(vm, 0x8010);
	c2 = *(uint16_t *)vm_gpa(vm, 0x8012);
	EXPECT_LE(c1, PIT_COUNT);
	EXPECT_LE(c2, PIT_COUNT);
	EXPECT_NE(c1, c2) TH_LOG("channel 0 read %u twice", c1);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * 32-bit guest: LAPIC on, IOAPIC pin 2 edge to vector 0x30 (dest APIC 0),
 * channel 0 in mode 2; the handler counts and EOIs at the LAPIC.
 */
asm(GUEST_ASM_BEGIN(ioapic_tick_guest, ".code32")
	"movl $0x1ff, 0xfee000f0\n"		/* SVR: APIC on */
	"movl $0x15, 0xfec00000\nmovl $0, 0xfec00010\n"	/* pin 2: APIC 0 */
	"movl $0x14, 0xfec00000\nmovl $0x30, 0xfec00010\n"	/* edge, fixed */
	"movb $0x34, %al\noutb %al, $0x43\n"	/* ch0, word, mode 2 */
	"movw 0x8100, %ax\noutb %al, $0x40\nmovb %ah, %al\noutb %al, $0x40\n"
	"rdtsc\nmovl %eax, %esi\n"
	"sti\n"
	"1: rdtsc\nsubl %esi, %eax\ncmpl 0x8104, %eax\njb 1b\n"
	"cli\n"
	"movl 0x8000, %eax\n"
	"outl %eax, $0x10\n"
	"ioapic_tick_handler:\n"
	"incl 0x8000\n"
	"movl $0, 0xfee000b0\n"		/* EOI */
	"iret\n"
	GUEST_ASM_END(ioapic_tick_guest));
GUEST_CODE(ioapic_tick_guest);
extern const char ioapic_tick_handler[];

TEST(mode2_rate_through_ioapic_edge_pin)
{
	struct kvm_pit_config config = { .flags = KVM_PIT_SPEAKER_DUMMY };
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[1];
	} rt = {
		.hdr.nr = 1,
		.e = {{ .gsi = 0, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = 2 } }},
	};
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	uint32_t *gate = vm_gpa(vm, IDT_GPA + 8 * VEC_IOAPIC);
	struct kvm_lapic_state lapic;
	struct kvm_sregs sregs;
	struct kvm_vcpu *vcpu;
	double hz = test_tsc_hz(), want;
	uint64_t handler;
	uint32_t ticks;

	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_PIT2, &config));
	vcpu = vcpu_create(vm, 0);
	if (test_dev_is_minikvm() && ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic)) {
		vcpu_free(vcpu);
		vm_free(vm);
		SKIP(return, "needs the in-kernel LAPIC");
	}
	vm_load_guest(vm, CODE_GPA, ioapic_tick_guest);
	vcpu_setup_prot32(vcpu, CODE_GPA, false);
	handler = guest_label_gpa(CODE_GPA, ioapic_tick_guest, ioapic_tick_handler);
	gate[0] = (SEL_CODE32 << 16) | (handler & 0xffff);
	gate[1] = (handler & 0xffff0000) | 0x8e00;
	vcpu_get_sregs(vcpu, &sregs);
	sregs.idt.limit = 0x7ff;
	vcpu_set_sregs(vcpu, &sregs);
	*(uint16_t *)vm_gpa(vm, COUNT_GPA) = PIT_COUNT;
	*(uint32_t *)vm_gpa(vm, RUN_GPA) = hz / RUN_PER_S;

	ticks = vcpu_run_until_out(vcpu, PORT_RESULT);
	want = PIT_HZ / PIT_COUNT / RUN_PER_S;
	EXPECT_GE(ticks, want * 0.75) TH_LOG("%u ticks in 1/%d s, want %.0f", ticks, RUN_PER_S, want);
	EXPECT_LE(ticks, want * 1.1 + 1) TH_LOG("%u ticks in 1/%d s, want %.0f", ticks, RUN_PER_S, want);
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
