// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_NMI (irq/event.c, vmx/event_inject.c): an NMI reaches the guest's
 * handler; a second one given while the handler runs waits until its
 * IRET (blocking by NMI, then the NMI window) and arrives exactly once;
 * KVM_GET/SET_VCPU_EVENTS show and restore the pending NMI and the mask.
 *
 * Real-mode guest: the IVT at GPA 0 holds CS:IP of the NMI handler.
 *
 * minikvm delivers a given NMI at the very next entry, before the guest's
 * main loop runs again. KVM 6.1 in the Bochs test VM does not always: it
 * passed these cases in some 1-CPU runs, and in others (every 2-CPU run,
 * a make ci run, and a 1-CPU run of this test alone) the main loop's
 * OUT 0x10 came first and the NMI was still not delivered after 1000
 * more entries; the cause in KVM or Bochs is not known. So on /dev/kvm
 * the main loop may run up to NMI_LATE_KVM times before the NMI, and a
 * KVM that never delivers it skips with that reason; minikvm must
 * deliver it at once. Run in the 1-CPU test VM only.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define PORT_MAIN	0x10
#define PORT_NMI_IN	0x14	/* the handler starts: runs so far */
#define PORT_NMI_OUT	0x15	/* the handler is about to IRET */
#define COUNT_GPA	0x8000
#define NMI_IVT_ENTRY	2

/* Main loop: OUT 1 forever. The handler counts and reports twice. */
asm(GUEST_ASM_BEGIN(nmi_guest, ".code16")
	"1: mov $1, %eax\n"
	"out %eax, $0x10\n"
	"jmp 1b\n"
	"nmi_guest_handler:\n"
	"incw 0x8000\n"
	"movzwl 0x8000, %eax\n"
	"out %eax, $0x14\n"
	"out %eax, $0x15\n"
	"iret\n"
	GUEST_ASM_END(nmi_guest));
GUEST_CODE(nmi_guest);
extern const char nmi_guest_handler[];

static struct kvm_vcpu *nmi_setup(struct kvm_vm *vm)
{
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint32_t *ivt = vm_gpa(vm, 0);

	vm_load_guest(vm, CODE_GPA, nmi_guest);
	ivt[NMI_IVT_ENTRY] = (CODE_GPA >> 4) << 16 | (uint16_t)(nmi_guest_handler - nmi_guest_start);
	vcpu_setup_real(vcpu, CODE_GPA);
	return vcpu;
}

#define NMI_LATE_KVM	1000

/*
 * Run until the NMI handler's first OUT and return its count, or -1 when
 * the main loop's OUT came first more often than the device is allowed
 * (on minikvm: at all, which then fails the test). Any other exit fails
 * the test.
 */
static int run_until_nmi(struct kvm_vcpu *vcpu)
{
	int late = test_dev_is_minikvm() ? 0 : NMI_LATE_KVM;
	struct kvm_run *run = vcpu->run;
	uint32_t val = 0;

	for (;;) {
		vcpu_run(vcpu);
		TEST_ASSERT(run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT &&
			    (run->io.port == PORT_MAIN || run->io.port == PORT_NMI_IN),
			    "exit %u port 0x%x", run->exit_reason, run->io.port);
		if (run->io.port == PORT_NMI_IN)
			break;
		if (late-- <= 0)
			return -1;
	}
	memcpy(&val, io_data(vcpu), run->io.size);
	return val;
}

static void get_events(struct kvm_vcpu *vcpu, struct kvm_vcpu_events *ev)
{
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, ev), "KVM_GET_VCPU_EVENTS: %d", errno);
}

TEST(nmi_blocked_until_iret)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = nmi_setup(vm);
	struct kvm_vcpu_events ev;
	int i, n;

	EXPECT_EQ(1u, vcpu_run_until_out(vcpu, PORT_MAIN));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_NMI));
	n = run_until_nmi(vcpu);
	if (n < 0 && !test_dev_is_minikvm())
		SKIP(goto out, "KVM did not deliver the NMI within %d entries", NMI_LATE_KVM);
	EXPECT_EQ(1, n);
	get_events(vcpu, &ev);
	EXPECT_EQ(1, ev.nmi.masked);
	EXPECT_EQ(0, ev.nmi.pending);

	/* Three more while the handler runs: one waits, the rest merge. */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, ioctl(vcpu->fd, KVM_NMI));
	get_events(vcpu, &ev);
	EXPECT_EQ(1, ev.nmi.pending);
	EXPECT_EQ(1, ev.nmi.masked);
	/* Not re-entered before the IRET: the same run goes on. */
	EXPECT_EQ(1u, vcpu_run_until_out(vcpu, PORT_NMI_OUT));
	n = run_until_nmi(vcpu);
	if (n < 0 && !test_dev_is_minikvm())
		SKIP(goto out, "KVM did not deliver the NMI within %d entries", NMI_LATE_KVM);
	EXPECT_EQ(2, n);
	EXPECT_EQ(2u, vcpu_run_until_out(vcpu, PORT_NMI_OUT));
	EXPECT_EQ(1u, vcpu_run_until_out(vcpu, PORT_MAIN));
	EXPECT_EQ(1u, vcpu_run_until_out(vcpu, PORT_MAIN));
	get_events(vcpu, &ev);
	EXPECT_EQ(0, ev.nmi.pending);
	EXPECT_EQ(0, ev.nmi.masked);
	EXPECT_EQ(2, *(uint16_t *)vm_gpa(vm, COUNT_GPA));
out:
	vcpu_free(vcpu);
	vm_free(vm);
}

/* A pending NMI saved with KVM_GET_VCPU_EVENTS comes back with SET. */
TEST(pending_nmi_round_trips)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = nmi_setup(vm);
	struct kvm_vcpu_events ev, saved;
	int n;

	EXPECT_EQ(1u, vcpu_run_until_out(vcpu, PORT_MAIN));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_NMI));
	get_events(vcpu, &saved);
	EXPECT_EQ(1, saved.nmi.pending);
	EXPECT_TRUE(saved.flags & KVM_VCPUEVENT_VALID_NMI_PENDING);

	/* Drop it: the guest goes on in its loop. */
	ev = saved;
	ev.nmi.pending = 0;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	EXPECT_EQ(1u, vcpu_run_until_out(vcpu, PORT_MAIN));
	EXPECT_EQ(0, *(uint16_t *)vm_gpa(vm, COUNT_GPA));

	/* Put it back: it is delivered. */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &saved));
	n = run_until_nmi(vcpu);
	if (n < 0 && !test_dev_is_minikvm())
		SKIP(goto out, "KVM did not deliver the NMI within %d entries", NMI_LATE_KVM);
	EXPECT_EQ(1, n);

	/* A rejected SET_VCPU_EVENTS leaves the mask as it was. */
	get_events(vcpu, &ev);
	EXPECT_EQ(1, ev.nmi.masked);
	ev.flags |= 1u << 30;
	ev.nmi.masked = 0;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	EXPECT_EQ(EINVAL, errno);
	get_events(vcpu, &ev);
	EXPECT_EQ(1, ev.nmi.masked);
out:
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
