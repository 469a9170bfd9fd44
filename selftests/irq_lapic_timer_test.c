// SPDX-License-Identifier: GPL-2.0
/*
 * The LAPIC timer (irq/lapic_timer.c) in its three modes, counted by the
 * guest and timed by the host:
 *
 *  - one-shot: TMCCT counts down from TMICT (1 ns per count with divide
 *    1, KVM's APIC bus), the interrupt comes once, no sooner than the
 *    programmed time, and TMCCT reads 0 after it;
 *  - periodic: PERIODS interrupts of PERIOD_NS take at least that long;
 *  - TSC-deadline: the interrupt comes no sooner than the guest TSC
 *    passes the deadline, IA32_TSC_DEADLINE reads the deadline while it
 *    is armed and 0 after it fired;
 *  - TSC-deadline, EARLY_ROUNDS short deadlines in a row, the vCPU
 *    halted or spinning in turn: the handler's RDTSC is never before its
 *    deadline, whatever the host's timer advance (irq/lapic_timer.c:
 *    the hrtimer fires ahead of the deadline and the vCPU thread waits
 *    out the rest before the vector becomes pending).
 *
 * Upper bounds are loose: Bochs runs the test VM much slower than real
 * time, so only "not early" and "not lost" are asserted closely.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "minikvm_test.h"
#include "kvm_util.h"
#include "lapic_util.h"

#define PORT_DONE	0x11
#define ONESHOT_NS	100000000u	/* 100 ms */
#define PERIOD_NS	10000000u	/* 10 ms */
#define PERIODS		10
#define DEADLINE_TICKS	100000000ull	/* guest TSC ticks */
#define EARLY_ROUNDS	200
#define EARLY_GPA	0x8020	/* handler runs that came before their deadline */

/*
 * 0x8000: interrupts counted by the handler; 0x8008: mode to test;
 * 0x8010: mode 2's deadline, from now; 0x8018: the deadline armed last
 * (mode 3), which the handler compares its RDTSC with.
 */
asm(GUEST_ASM_BEGIN(timer_guest, ".code32")
	"mov $0xfee00000, %esi\n"
	"movl $0x1ff, 0xf0(%esi)\n"
	"movl $0x0b, 0x3e0(%esi)\n"		/* divide by 1 */
	"sti\n"
	"cmpl $1, 0x8008\n je timer_guest_periodic\n"
	"cmpl $2, 0x8008\n je timer_guest_deadline\n"
	"cmpl $3, 0x8008\n je timer_guest_early\n"
	"movl $0x50, 0x320(%esi)\n"		/* one-shot */
	"movl $100000000, 0x380(%esi)\n"
	"mov 0x390(%esi), %eax\n out %eax, $0x10\n"
	"mov 0x390(%esi), %eax\n out %eax, $0x10\n"
	"1: hlt\n cmpl $0, 0x8000\n je 1b\n"
	"mov 0x390(%esi), %eax\n out %eax, $0x10\n"
	"jmp timer_guest_done\n"
	"timer_guest_periodic:\n"
	"movl $0x20050, 0x320(%esi)\n"		/* periodic */
	"movl $10000000, 0x380(%esi)\n"
	"2: hlt\n cmpl $10, 0x8000\n jb 2b\n"
	"movl $0x10050, 0x320(%esi)\n"		/* masked */
	"jmp timer_guest_done\n"
	"timer_guest_deadline:\n"
	"movl $0x40050, 0x320(%esi)\n"		/* TSC-deadline */
	"rdtsc\n"
	"add 0x8010, %eax\n adc 0x8014, %edx\n"
	"mov $0x6e0, %ecx\n wrmsr\n"
	"mov %eax, %ebx\n"
	"rdmsr\n"
	"xor %ebx, %eax\n out %eax, $0x10\n"	/* 0: reads back armed */
	"3: hlt\n cmpl $0, 0x8000\n je 3b\n"
	"rdmsr\n or %edx, %eax\n out %eax, $0x10\n"	/* 0 once fired */
	"jmp timer_guest_done\n"
	/* Deadlines 2000 to 62000 ticks ahead; even rounds halt, odd ones spin. */
	"timer_guest_early:\n"
	"movl $0x40050, 0x320(%esi)\n"
	"xor %ebp, %ebp\n"
	"5: cmp $200, %ebp\n"			/* EARLY_ROUNDS */
	"jae timer_guest_done\n"
	"lea 1(%ebp), %edi\n"
	"mov %ebp, %ecx\n and $15, %ecx\n imul $4000, %ecx\n add $2000, %ecx\n"
	"rdtsc\n add %ecx, %eax\n adc $0, %edx\n"
	"mov %eax, 0x8018\n mov %edx, 0x801c\n"
	"mov $0x6e0, %ecx\n wrmsr\n"
	"test $1, %ebp\n jnz 7f\n"
	"6: cli\n cmp %edi, 0x8000\n jae 8f\n sti\n hlt\n jmp 6b\n"
	"7: cmp %edi, 0x8000\n jb 7b\n"
	"8: sti\n inc %ebp\n jmp 5b\n"
	"timer_guest_done:\n"
	"mov 0x8000, %eax\n out %eax, $0x10\n"
	"4: out %eax, $0x11\n jmp 4b\n"
	"timer_guest_handler:\n"
	"push %eax\n push %edx\n"
	"rdtsc\n sub 0x8018, %eax\n sbb 0x801c, %edx\n"
	"jns 9f\n incl 0x8020\n"			/* EARLY_GPA */
	"9: pop %edx\n pop %eax\n"
	"incl 0x8000\n"
	"movl $0, 0xfee000b0\n"
	"iret\n"
	GUEST_ASM_END(timer_guest));
GUEST_CODE(timer_guest);
extern const char timer_guest_handler[];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static struct kvm_vcpu *timer_setup(struct kvm_vm *vm, int mode, bool deadline_cpuid)
{
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);

	vm_load_guest(vm, CODE_GPA, timer_guest);
	*(uint32_t *)vm_gpa(vm, 0x8008) = mode;
	*(uint64_t *)vm_gpa(vm, 0x8010) = DEADLINE_TICKS;
	if (deadline_cpuid) {
		struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(vm->dev_fd);

		cpuid_find(cpuid, 1, 0)->ecx |= 1u << 24;
		vcpu_set_cpuid(vcpu, cpuid);
		free(cpuid);
	}
	vcpu_setup_prot32(vcpu, CODE_GPA, false);
	vcpu_setup_prot32_idt(vcpu);
	idt32_set(vm, 0x50, guest_label_gpa(CODE_GPA, timer_guest, timer_guest_handler));
	return vcpu;
}

TEST(one_shot)
{
	struct kvm_vm *vm = vm_create_split();
	struct kvm_vcpu *vcpu = timer_setup(vm, 0, false);
	uint64_t t0 = now_ns(), el;
	uint32_t c1, c2;

	c1 = vcpu_run_until_out(vcpu, PORT_RESULT);
	c2 = vcpu_run_until_out(vcpu, PORT_RESULT);
	EXPECT_LE(c1, ONESHOT_NS);
	EXPECT_LT(0u, c2);
	EXPECT_LT(c2, c1) TH_LOG("TMCCT %u then %u", c1, c2);
	EXPECT_EQ(0u, vcpu_run_until_out(vcpu, PORT_RESULT)) TH_LOG("TMCCT after the interrupt");
	el = now_ns() - t0;
	EXPECT_GE(el, ONESHOT_NS * 9ull / 10) TH_LOG("fired after %llu ns", (unsigned long long)el);
	EXPECT_EQ(1u, vcpu_run_until_out(vcpu, PORT_RESULT));
	vcpu_run_until_out(vcpu, PORT_DONE);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void on_sig(int sig)
{
	(void)sig;
}

/* Interrupt the test's KVM_RUN after WATCHDOG_S seconds. */
#define WATCHDOG_S	10

static void *watchdog(void *arg)
{
	sleep(WATCHDOG_S);
	pthread_kill(*(pthread_t *)arg, SIGUSR1);
	return NULL;
}

/*
 * KVM 6.1 nested in the Bochs test VM was seen not to finish the periodic
 * count within the harness's 30 s (cause not known), and in one run to
 * stall the whole test VM, watchdog included: under Bochs the case is
 * skipped on KVM before it starts. Elsewhere, after WATCHDOG_S seconds
 * KVM skips with that reason; minikvm must have finished.
 */
TEST(periodic)
{
	const char *backend = getenv("MINIKVM_TEST_BACKEND");
	struct sigaction sa = { .sa_handler = on_sig };
	pthread_t self = pthread_self(), wd;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t t0, el;
	int ret;

	if (!test_dev_is_minikvm() && backend && !strcmp(backend, "bochs"))
		SKIP(return, "KVM stalls the Bochs test VM in this case (measured)");
	vm = vm_create_split();
	vcpu = timer_setup(vm, 1, false);
	t0 = now_ns();
	sigaction(SIGUSR1, &sa, NULL);
	ASSERT_EQ(0, pthread_create(&wd, NULL, watchdog, &self));
	ret = ioctl(vcpu->fd, KVM_RUN, 0);
	pthread_cancel(wd);
	pthread_join(wd, NULL);
	if (ret < 0 && errno == EINTR && !test_dev_is_minikvm()) {
		vcpu_free(vcpu);
		vm_free(vm);
		SKIP(return, "KVM did not count %d periods in %d s", PERIODS, WATCHDOG_S);
	}
	ASSERT_EQ(0, ret) TH_LOG("no %d periods in %d s", PERIODS, WATCHDOG_S);
	ASSERT_EQ(KVM_EXIT_IO, vcpu->run->exit_reason);
	EXPECT_EQ((uint32_t)PERIODS, *(uint32_t *)io_data(vcpu));
	el = now_ns() - t0;
	EXPECT_GE(el, (uint64_t)PERIODS * PERIOD_NS * 9 / 10)
		TH_LOG("%d periods in %llu ns", PERIODS, (unsigned long long)el);
	EXPECT_LT(el, (uint64_t)PERIODS * PERIOD_NS * 100)
		TH_LOG("%d periods in %llu ns", PERIODS, (unsigned long long)el);
	vcpu_run_until_out(vcpu, PORT_DONE);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(tsc_deadline)
{
	struct kvm_vm *vm = vm_create_split();
	struct kvm_vcpu *vcpu;
	uint64_t t0, el;

	if (ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) <= 0) {
		vm_free(vm);
		SKIP(return, "no KVM_CAP_TSC_DEADLINE_TIMER");
	}
	vcpu = timer_setup(vm, 2, true);
	t0 = __rdtsc();
	EXPECT_EQ(0u, vcpu_run_until_out(vcpu, PORT_RESULT)) TH_LOG("deadline read back");
	EXPECT_EQ(0u, vcpu_run_until_out(vcpu, PORT_RESULT)) TH_LOG("deadline after firing");
	el = __rdtsc() - t0;
	EXPECT_GE(el, DEADLINE_TICKS) TH_LOG("fired after %llu TSC ticks", (unsigned long long)el);
	EXPECT_EQ(1u, vcpu_run_until_out(vcpu, PORT_RESULT));
	vcpu_run_until_out(vcpu, PORT_DONE);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(tsc_deadline_never_early)
{
	struct kvm_vm *vm = vm_create_split();
	struct kvm_vcpu *vcpu;

	if (ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) <= 0) {
		vm_free(vm);
		SKIP(return, "no KVM_CAP_TSC_DEADLINE_TIMER");
	}
	vcpu = timer_setup(vm, 3, true);
	EXPECT_EQ((uint32_t)EARLY_ROUNDS, vcpu_run_until_out(vcpu, PORT_RESULT));
	EXPECT_EQ(0u, *(uint32_t *)vm_gpa(vm, EARLY_GPA))
		TH_LOG("interrupts before their deadline, of %d", EARLY_ROUNDS);
	vcpu_run_until_out(vcpu, PORT_DONE);
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
