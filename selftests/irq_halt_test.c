// SPDX-License-Identifier: GPL-2.0
/*
 * HLT with the LAPIC in the kernel (irq/posted.c, vmx/exit_hlt.c): the
 * vCPU sleeps in KVM_RUN, not in userspace and not spinning, until
 *
 *  - its LAPIC timer fires (one-shot, 50 ms);
 *  - another vCPU's IPI arrives (sent 50 ms after the halt began);
 *  - a signal comes (KVM_RUN returns -EINTR, KVM_EXIT_INTR); the vCPU
 *    stays HALTED, as KVM leaves it.
 *
 * While halted, the vCPU thread uses almost no CPU: its
 * CLOCK_THREAD_CPUTIME_ID advances by less than a quarter of the wall
 * time the halt lasted. The counters halt_exits and halt_wakeup grow.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "minikvm_test.h"
#include "guest_util.h"
#include "kvm_util.h"
#include "lapic_util.h"

#define HALT_NS		50000000ull	/* 50 ms */
#define PORT_DONE	0x11

/*
 * vCPU 0: with 0x8008 = 1 arm a 50 ms one-shot timer (vector 0x50),
 * else none; then HLT with IF=1 and report the wakes counted at 0x8000.
 * vCPU 1 (the IPI sender): fixed vector 0x50 to APIC 0, then report.
 */
asm(GUEST_ASM_BEGIN(halt_guest, ".code32")
	"mov $0xfee00000, %esi\n"
	"movl $0x1ff, 0xf0(%esi)\n"
	"mov 0x20(%esi), %ebx\n"
	"shr $24, %ebx\n"
	"test %ebx, %ebx\n"
	"jnz halt_guest_sender\n"
	"cmpl $1, 0x8008\n"
	"jne 1f\n"
	"movl $0x0b, 0x3e0(%esi)\n"		/* divide by 1 */
	"movl $0x50, 0x320(%esi)\n"		/* one-shot, vector 0x50 */
	"movl $50000000, 0x380(%esi)\n"		/* 50 ms of 1 ns ticks */
	"1: sti\n"
	"hlt\n"
	"mov 0x8000, %eax\n out %eax, $0x10\n"
	"2: out %eax, $0x11\n jmp 2b\n"
	"halt_guest_sender:\n"
	"movl $0, 0x310(%esi)\n"
	"movl $0x4050, 0x300(%esi)\n"
	"3: out %eax, $0x11\n jmp 3b\n"
	"halt_guest_handler:\n"
	"incl 0x8000\n"
	"movl $0, 0xfee000b0\n"
	"iret\n"
	GUEST_ASM_END(halt_guest));
GUEST_CODE(halt_guest);
extern const char halt_guest_handler[];

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

struct halt_run {
	struct kvm_vcpu *vcpu;
	int ret, err;
	uint64_t wall, cpu;	/* of the first KVM_RUN */
};

/* One KVM_RUN, timed in wall and thread CPU time. */
static void *halt_thread(void *arg)
{
	struct halt_run *h = arg;
	uint64_t w = now_ns(CLOCK_MONOTONIC), c = now_ns(CLOCK_THREAD_CPUTIME_ID);

	h->ret = ioctl(h->vcpu->fd, KVM_RUN, 0);
	h->err = errno;
	h->wall = now_ns(CLOCK_MONOTONIC) - w;
	h->cpu = now_ns(CLOCK_THREAD_CPUTIME_ID) - c;
	return NULL;
}

static struct kvm_vm *halt_vm(int timer)
{
	struct kvm_vm *vm = vm_create_split();

	vm_load_guest(vm, CODE_GPA, halt_guest);
	*(uint32_t *)vm_gpa(vm, 0x8008) = timer;
	idt32_set(vm, 0x50, guest_label_gpa(CODE_GPA, halt_guest, halt_guest_handler));
	return vm;
}

static struct kvm_vcpu *halt_vcpu(struct kvm_vm *vm, int id)
{
	struct kvm_vcpu *vcpu = vcpu_create(vm, id);

	vcpu_setup_prot32(vcpu, CODE_GPA, false);
	vcpu_setup_prot32_idt(vcpu);
	if (id)
		TEST_ASSERT(!vcpu_set_mp_state(vcpu, KVM_MP_STATE_RUNNABLE), "MP state");
	return vcpu;
}

static void on_sig(int sig)
{
	(void)sig;
}

/*
 * The halted part of @h took the wall time and, on minikvm, almost no
 * CPU. KVM polls before it sleeps (halt_poll_ns), which on the slow debug
 * kernel was seen to take 41 ms of 93: its CPU time is only shown.
 */
static void check_idle(struct __test_metadata *_metadata, struct halt_run *h)
{
	EXPECT_GE(h->wall, HALT_NS * 9 / 10) TH_LOG("woke after %llu ns", (unsigned long long)h->wall);
	TH_LOG("CPU %llu ns of %llu ns", (unsigned long long)h->cpu, (unsigned long long)h->wall);
	if (test_dev_is_minikvm())
		EXPECT_LT(h->cpu * 4, h->wall);
}

TEST(timer_wakes_halt)
{
	const char *root = test_dev_is_minikvm() ? "/sys/kernel/debug/minikvm" :
			   "/sys/kernel/debug/kvm";
	struct kvm_vm *vm = halt_vm(1);
	struct halt_run h = { .vcpu = halt_vcpu(vm, 0) };
	char dir[256];

	ASSERT_EQ(0, test_stats_vm_dir(root, dir, sizeof(dir)));
	halt_thread(&h);
	EXPECT_LE(1, test_stats_read(dir, "halt_exits"));
	EXPECT_LE(1, test_stats_read(dir, "halt_wakeup"));
	ASSERT_EQ(0, h.ret);
	ASSERT_EQ(KVM_EXIT_IO, h.vcpu->run->exit_reason);
	EXPECT_EQ(PORT_RESULT, h.vcpu->run->io.port);
	EXPECT_EQ(1u, *(uint32_t *)io_data(h.vcpu));
	check_idle(_metadata, &h);
	vcpu_free(h.vcpu);
	vm_free(vm);
}

TEST(ipi_wakes_halt)
{
	struct kvm_vm *vm = halt_vm(0);
	struct halt_run h = { .vcpu = halt_vcpu(vm, 0) };
	struct kvm_vcpu *sender = halt_vcpu(vm, 1);
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, halt_thread, &h));
	usleep(HALT_NS / 1000);
	vcpu_run_until_out(sender, PORT_DONE);
	pthread_join(t, NULL);
	ASSERT_EQ(0, h.ret);
	ASSERT_EQ(KVM_EXIT_IO, h.vcpu->run->exit_reason);
	EXPECT_EQ(PORT_RESULT, h.vcpu->run->io.port);
	EXPECT_EQ(1u, *(uint32_t *)io_data(h.vcpu));
	check_idle(_metadata, &h);
	vcpu_free(sender);
	vcpu_free(h.vcpu);
	vm_free(vm);
}

TEST(signal_ends_halt)
{
	struct kvm_vm *vm = halt_vm(0);
	struct halt_run h = { .vcpu = halt_vcpu(vm, 0) };
	struct sigaction sa = { .sa_handler = on_sig };
	pthread_t t;

	sigaction(SIGUSR1, &sa, NULL);
	ASSERT_EQ(0, pthread_create(&t, NULL, halt_thread, &h));
	usleep(HALT_NS / 1000);
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	EXPECT_EQ(-1, h.ret);
	EXPECT_EQ(EINTR, h.err);
	EXPECT_EQ(KVM_EXIT_INTR, h.vcpu->run->exit_reason);
	check_idle(_metadata, &h);
	/* Still halted, as KVM leaves it: the next KVM_RUN would sleep again. */
	EXPECT_EQ(KVM_MP_STATE_HALTED, vcpu_mp_state(h.vcpu));
	vcpu_free(h.vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
