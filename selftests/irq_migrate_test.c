// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts to a vCPU whose thread moves between host CPUs (irq/posted.c:
 * the kick reads vcpu->run_cpu and vcpu->mode while the vCPU loads on
 * another CPU). One thread runs the vCPU, a second moves it between host
 * CPUs 0 and 1 with sched_setaffinity() every few hundred microseconds,
 * and the main thread sends ROUNDS MSIs (KVM_SIGNAL_MSI) in lock step:
 * each only after the guest's handler counted the one before, so none
 * may be coalesced. The guest alternates CPUID exits and HLT, so that
 * MSIs find it running, between entries and halted. A lost MSI leaves
 * the count behind for good (the wait gives up after WAIT_S seconds); a
 * doubled one shows in the final count. Needs two host CPUs (the 2-CPU
 * test VM); skips with one.
 *
 * ROUNDS on minikvm, ROUNDS_KVM on /dev/kvm, whose nested exits cost
 * several times more in the Bochs test VM.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "minikvm_test.h"
#include "kvm_util.h"
#include "lapic_util.h"

#define ROUNDS		2000
#define ROUNDS_KVM	500
#define WAIT_S		20
#define MOVE_US		300

/*
 * The LAPIC on, then 1 at 0x8004 (an MSI before that would find it off);
 * then CPUID exits and HLT, forever. The handler of 0x45 counts at 0x8000.
 */
asm(GUEST_ASM_BEGIN(migrate_guest, ".code32")
	"movl $0x1ff, 0xfee000f0\n"
	"sti\n"
	"movl $1, 0x8004\n"
	"1: mov $7, %edi\n"
	"2: xor %eax, %eax\n cpuid\n dec %edi\n jnz 2b\n"
	"hlt\n"
	"jmp 1b\n"
	"migrate_guest_handler:\n"
	"incl 0x8000\n"
	"movl $0, 0xfee000b0\n"
	"iret\n"
	GUEST_ASM_END(migrate_guest));
GUEST_CODE(migrate_guest);
extern const char migrate_guest_handler[];

struct migrate {
	struct kvm_vcpu *vcpu;
	pid_t tid;		/* the vCPU thread, once running */
	int error;		/* KVM_RUN failed, or an exit to userspace */
	int stop;
	unsigned long moves;
};

static void on_sigusr1(int sig)
{
	(void)sig;
}

static void *vcpu_thread(void *arg)
{
	struct migrate *m = arg;

	TEST_STORE(m->tid, gettid());
	for (;;) {
		if (ioctl(m->vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR && !TEST_LOAD(m->stop))
				continue;
			if (errno != EINTR)
				m->error = errno;
			return NULL;
		}
		m->error = 1000 + m->vcpu->run->exit_reason;
		return NULL;
	}
}

static void *mover_thread(void *arg)
{
	struct migrate *m = arg;
	cpu_set_t set;

	while (!TEST_LOAD(m->tid))
		usleep(1000);
	while (!TEST_LOAD(m->stop)) {
		CPU_ZERO(&set);
		CPU_SET(m->moves % 2, &set);
		if (!sched_setaffinity(m->tid, sizeof(set), &set))
			m->moves++;
		usleep(MOVE_US);
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A fixture only for the time bound: Bochs may need minutes. */
FIXTURE(migrate) {};
FIXTURE_SETUP(migrate) {}
FIXTURE_TEARDOWN(migrate) {}

TEST_F_TIMEOUT(migrate, msi_while_moving, 300)
{
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x45 };
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	uint32_t rounds = test_dev_is_minikvm() ? ROUNDS : ROUNDS_KVM;
	uint32_t *count, *ready;
	struct migrate m = { 0 };
	struct kvm_vm *vm;
	pthread_t vt, mt;
	double t0, t;
	uint32_t i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two host CPUs");
	vm = vm_create_split();
	m.vcpu = vcpu_create(vm, 0);
	vm_load_guest(vm, CODE_GPA, migrate_guest);
	vcpu_setup_prot32(m.vcpu, CODE_GPA, false);
	vcpu_setup_prot32_idt(m.vcpu);
	idt32_set(vm, 0x45, guest_label_gpa(CODE_GPA, migrate_guest, migrate_guest_handler));
	count = vm_gpa(vm, 0x8000);
	ready = vm_gpa(vm, 0x8004);
	sigaction(SIGUSR1, &sa, NULL);

	t0 = now_s();
	ASSERT_EQ(0, pthread_create(&vt, NULL, vcpu_thread, &m));
	ASSERT_EQ(0, pthread_create(&mt, NULL, mover_thread, &m));
	while (!TEST_LOAD(*ready) && !TEST_LOAD(m.error))
		sched_yield();
	for (i = 0; i < rounds; i++) {
		EXPECT_EQ(1, ioctl(vm->fd, KVM_SIGNAL_MSI, &msi)) TH_LOG("MSI %u", i);
		t = now_s();
		while (TEST_LOAD(*count) < i + 1 && now_s() - t < WAIT_S && !TEST_LOAD(m.error))
			sched_yield();
		if (TEST_LOAD(*count) != i + 1)
			break;
	}
	/* Time for a doubled one to show. */
	usleep(100000);
	TH_LOG("%u MSIs, %lu moves in %.1f s", i, TEST_LOAD(m.moves), now_s() - t0);
	TEST_STORE(m.stop, 1);
	pthread_join(mt, NULL);
	m.vcpu->run->immediate_exit = 1;
	pthread_kill(vt, SIGUSR1);
	pthread_join(vt, NULL);

	EXPECT_EQ(0, m.error);
	EXPECT_EQ(rounds, i) TH_LOG("MSIs counted by the guest in lock step");
	EXPECT_EQ(rounds, TEST_LOAD(*count)) TH_LOG("handler runs");
	EXPECT_LE(10ul, m.moves) TH_LOG("moves between host CPUs");
	vcpu_free(m.vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
