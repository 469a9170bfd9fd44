// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts from a userspace interrupt controller (irq/event.c,
 * vmx/event_inject.c), as a VMM without KVM_CREATE_IRQCHIP gives them:
 *
 *  - the guest runs with IF=0, the VMM sets request_interrupt_window and
 *    sees ready_for_interrupt_injection = 0, if_flag = 0 at every exit;
 *    after STI, KVM_RUN returns KVM_EXIT_IRQ_WINDOW_OPEN with both 1;
 *    KVM_INTERRUPT then reaches the guest's handler exactly once;
 *  - an interrupt whose delivery hits pages the EPT has not mapped yet
 *    (IVT, stack: EPT violations during delivery) is injected again and
 *    arrives once, with the right return address; so does an INT n whose
 *    stack push faults in the EPT (a soft interrupt: re-injected with its
 *    instruction length);
 *  - KVM_INTERRUPT's errors, which change nothing;
 *  - the counters, which carry KVM's names in both debugfs trees.
 *
 * Real-mode guests: the IVT at GPA 0 holds CS:IP of each handler.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "guest_util.h"
#include "kvm_util.h"

#define PORT_MAIN	0x10	/* PORT_RESULT: the main loop's progress */
#define PORT_VECTOR	0x12	/* a handler: its vector */
#define PORT_RET_IP	0x13	/* a handler: the IP it returns to */
#define COUNT_GPA	0x8000	/* DATA_GPA: handler runs */
#define VEC_WINDOW	0x20
#define VEC_FAULTING	0x30
#define VEC_SOFT	0x31

/*
 * Window guest: three OUTs with IF=0, then STI and an endless OUT/HLT.
 * Its handler counts, reports its vector and returns.
 */
asm(GUEST_ASM_BEGIN(window_guest, ".code16")
	"cli\n"
	"mov $3, %cx\n"
	"1: mov $1, %eax\n"
	"out %eax, $0x10\n"
	"loop 1b\n"
	"sti\n"
	"window_guest_after_sti:\n"
	"nop\n"
	"mov $2, %eax\n"
	"out %eax, $0x10\n"
	"hlt\n"
	"window_guest_handler:\n"
	"incw 0x8000\n"
	"mov $0x20, %eax\n"
	"out %eax, $0x12\n"
	"iret\n"
	GUEST_ASM_END(window_guest));
GUEST_CODE(window_guest);
extern const char window_guest_handler[];

/*
 * Fault guest: HLT with IF=1 (the VMM gives the interrupt there), then an
 * INT 0x31 with the stack moved to a page the EPT has not mapped, then
 * HLT. The handlers live one page further on, so that their first fetch
 * faults too, and report vector and return IP.
 */
asm(GUEST_ASM_BEGIN(fault_guest, ".code16")
	"sti\n"
	"hlt\n"
	"fault_guest_after_hlt:\n"
	"mov $1, %eax\n"
	"out %eax, $0x10\n"
	"mov $0x4000, %ax\n"
	"mov %ax, %ss\n"
	"mov $0x1000, %sp\n"
	"int $0x31\n"
	"fault_guest_after_int:\n"
	"mov $2, %eax\n"
	"out %eax, $0x10\n"
	"hlt\n"
	".skip 4096\n"
	"fault_guest_h30:\n"
	"mov $0x30, %eax\n"
	"jmp 1f\n"
	"fault_guest_h31:\n"
	"mov $0x31, %eax\n"
	"1: incw 0x8000\n"
	"out %eax, $0x12\n"
	"mov %sp, %bp\n"
	"movzwl (%bp), %eax\n"
	"out %eax, $0x13\n"
	"iret\n"
	GUEST_ASM_END(fault_guest));
GUEST_CODE(fault_guest);
extern const char fault_guest_after_hlt[], fault_guest_after_int[];
extern const char fault_guest_h30[], fault_guest_h31[];

/* IVT entry @vector -> CS:IP of @label in a guest loaded at CODE_GPA. */
static void set_ivt(struct kvm_vm *vm, int vector, const char *start, const char *label)
{
	uint32_t *ivt = vm_gpa(vm, 0);

	ivt[vector] = (CODE_GPA >> 4) << 16 | (uint16_t)(label - start);
}

static int interrupt(struct kvm_vcpu *vcpu, uint32_t vector)
{
	struct kvm_interrupt irq = { .irq = vector };

	return ioctl(vcpu->fd, KVM_INTERRUPT, &irq);
}

TEST(window_then_interrupt_once)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_run *run = vcpu->run;
	uint16_t *count = vm_gpa(vm, COUNT_GPA);
	int i;

	vm_load_guest(vm, CODE_GPA, window_guest);
	set_ivt(vm, VEC_WINDOW, window_guest_start, window_guest_handler);
	vcpu_setup_real(vcpu, CODE_GPA);

	run->request_interrupt_window = 1;
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(1u, vcpu_run_until_out(vcpu, PORT_MAIN));
		EXPECT_EQ(0, run->if_flag);
		EXPECT_EQ(0, run->ready_for_interrupt_injection);
	}
	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_IRQ_WINDOW_OPEN, run->exit_reason)
		TH_LOG("exit %s", exit_reason_str(run->exit_reason));
	EXPECT_EQ(1, run->if_flag);
	EXPECT_EQ(1, run->ready_for_interrupt_injection);

	ASSERT_EQ(0, interrupt(vcpu, VEC_WINDOW));
	run->request_interrupt_window = 0;
	EXPECT_EQ(VEC_WINDOW, vcpu_run_until_out(vcpu, PORT_VECTOR));
	EXPECT_EQ(2u, vcpu_run_until_out(vcpu, PORT_MAIN));
	vcpu_run_until_hlt(vcpu);
	EXPECT_EQ(1, *count);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* The same run, counted in debugfs under KVM's counter names. */
TEST(window_and_interrupt_counted)
{
	const char *root = test_dev_is_minikvm() ? "/sys/kernel/debug/minikvm" :
			   "/sys/kernel/debug/kvm";
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_run *run = vcpu->run;
	char dir[256];
	int i;

	vm_load_guest(vm, CODE_GPA, window_guest);
	set_ivt(vm, VEC_WINDOW, window_guest_start, window_guest_handler);
	vcpu_setup_real(vcpu, CODE_GPA);
	ASSERT_EQ(0, test_stats_vm_dir(root, dir, sizeof(dir)))
		TH_LOG("no statistics directory under %s", root);
	EXPECT_EQ(0, test_stats_read(dir, "irq_injections"));

	run->request_interrupt_window = 1;
	for (i = 0; i < 3; i++)
		EXPECT_EQ(1u, vcpu_run_until_out(vcpu, PORT_MAIN));
	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_IRQ_WINDOW_OPEN, run->exit_reason);
	ASSERT_EQ(0, interrupt(vcpu, VEC_WINDOW));
	run->request_interrupt_window = 0;
	EXPECT_EQ(VEC_WINDOW, vcpu_run_until_out(vcpu, PORT_VECTOR));

	EXPECT_EQ(1, test_stats_read(dir, "request_irq_exits"));
	EXPECT_LE(1, test_stats_read(dir, "irq_window_exits"));
	/* Once, or again after the EPT violation on the IVT page. */
	EXPECT_LE(1, test_stats_read(dir, "irq_injections"));
	EXPECT_EQ(0, test_stats_read(dir, "nmi_injections"));
	EXPECT_EQ(0, test_stats_read(dir, "nmi_window_exits"));
	vcpu_free(vcpu);
	vm_free(vm);
}

/* The queued vector shows in KVM_GET_VCPU_EVENTS and interrupt_bitmap, then goes. */
TEST(queued_interrupt_is_visible)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_vcpu_events ev;
	struct kvm_sregs sregs;
	uint16_t *count = vm_gpa(vm, COUNT_GPA);

	vm_load_guest(vm, CODE_GPA, window_guest);
	set_ivt(vm, VEC_WINDOW, window_guest_start, window_guest_handler);
	vcpu_setup_real(vcpu, CODE_GPA);
	/* Run to the HLT after STI: the guest takes interrupts there. */
	vcpu->run->request_interrupt_window = 0;
	EXPECT_EQ(1u, vcpu_run_until_out(vcpu, PORT_MAIN));
	EXPECT_EQ(1u, vcpu_run_until_out(vcpu, PORT_MAIN));
	EXPECT_EQ(1u, vcpu_run_until_out(vcpu, PORT_MAIN));
	EXPECT_EQ(2u, vcpu_run_until_out(vcpu, PORT_MAIN));
	vcpu_run_until_hlt(vcpu);
	EXPECT_EQ(1, vcpu->run->ready_for_interrupt_injection);

	ASSERT_EQ(0, interrupt(vcpu, VEC_WINDOW));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(1, ev.interrupt.injected);
	EXPECT_EQ(VEC_WINDOW, ev.interrupt.nr);
	vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(1ull << VEC_WINDOW, sregs.interrupt_bitmap[0]);

	EXPECT_EQ(VEC_WINDOW, vcpu_run_until_out(vcpu, PORT_VECTOR));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(0, ev.interrupt.injected);
	EXPECT_EQ(1, *count);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(interrupt_errors_change_nothing)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_vcpu_events ev;

	EXPECT_EQ(-1, interrupt(vcpu, 256));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, interrupt(vcpu, ~0u));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_INTERRUPT, NULL));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(0, ev.interrupt.injected);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(delivery_cut_short_is_reinjected)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint16_t *count = vm_gpa(vm, COUNT_GPA);

	vm_load_guest(vm, CODE_GPA, fault_guest);
	set_ivt(vm, VEC_FAULTING, fault_guest_start, fault_guest_h30);
	set_ivt(vm, VEC_SOFT, fault_guest_start, fault_guest_h31);
	vcpu_setup_real(vcpu, CODE_GPA);

	vcpu_run_until_hlt(vcpu);
	ASSERT_EQ(1, vcpu->run->ready_for_interrupt_injection);
	/* IVT (page 0), stack (page 0xe000), handler page: none mapped yet. */
	ASSERT_EQ(0, interrupt(vcpu, VEC_FAULTING));
	EXPECT_EQ(VEC_FAULTING, vcpu_run_until_out(vcpu, PORT_VECTOR));
	EXPECT_EQ((uint32_t)(fault_guest_after_hlt - fault_guest_start),
		  vcpu_run_until_out(vcpu, PORT_RET_IP));
	EXPECT_EQ(1u, vcpu_run_until_out(vcpu, PORT_MAIN));
	EXPECT_EQ(1, *count);

	/* INT 0x31 with SS:SP on a page never touched: a soft event again. */
	EXPECT_EQ(VEC_SOFT, vcpu_run_until_out(vcpu, PORT_VECTOR));
	EXPECT_EQ((uint32_t)(fault_guest_after_int - fault_guest_start),
		  vcpu_run_until_out(vcpu, PORT_RET_IP));
	EXPECT_EQ(2u, vcpu_run_until_out(vcpu, PORT_MAIN));
	vcpu_run_until_hlt(vcpu);
	EXPECT_EQ(2, *count);
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
