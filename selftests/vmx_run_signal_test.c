// SPDX-License-Identifier: GPL-2.0
/*
 * Leaving KVM_RUN without a guest exit (vmx/run.c, the run loop's signal
 * check). A signal delivered to a thread spinning in the guest makes
 * KVM_RUN return -1 with errno EINTR and exit_reason KVM_EXIT_INTR.
 * immediate_exit=1 in the run page makes KVM_RUN return EINTR before the
 * guest runs at all; KVM 6.1 leaves exit_reason untouched in that case
 * (kvm_arch_vcpu_ioctl_run() bails out before writing it), which is
 * checked with a sentinel.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include "minikvm_test.h"
#include "kvm_util.h"

/*
 * Count in memory, forever, so the host can see the guest did run. Each
 * round also makes a CPUID exit, handled in the kernel: in the Bochs test
 * VM a guest spinning with no exit at all was seen to stall the L1 kernel
 * (its timer interrupt never arrived), so no signal could be delivered.
 */
asm(GUEST_ASM_BEGIN(spin_guest, ".code16")
	"1: incl 0x8000\n"
	"xorl %eax, %eax\n"
	"cpuid\n"
	"jmp 1b\n"
	GUEST_ASM_END(spin_guest));
GUEST_CODE(spin_guest);

static int got_signal;

static void on_signal(int sig)
{
	TEST_INC(got_signal);
}

static void install(int sig)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: KVM_RUN is never restarted anyway, as in KVM. */
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static struct kvm_vcpu *spinner(struct kvm_vm **vmp)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);

	vm_load_guest(vm, CODE_GPA, spin_guest);
	vcpu_setup_real(vcpu, CODE_GPA);
	*vmp = vm;
	return vcpu;
}

TEST(timer_signal_interrupts_guest)
{
	struct itimerval it = { .it_value.tv_usec = 50000, .it_interval.tv_usec = 50000 };
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = spinner(&vm);
	uint32_t *count = vm_gpa(vm, DATA_GPA);
	int ret, err, runs = 0;

	install(SIGALRM);
	setitimer(ITIMER_REAL, &it, NULL);
	/*
	 * Run again until the guest has counted: on the debug kernel in the
	 * Bochs test VM, KVM's first KVM_RUN was once ended by the timer's
	 * first signal (50 ms) before the guest had counted at all. Every
	 * run must end the same way.
	 */
	do {
		ret = __vcpu_run(vcpu);
		err = errno;
		if (ret != -1 || err != EINTR ||
		    vcpu->run->exit_reason != KVM_EXIT_INTR)
			break;
	} while (!TEST_LOAD(*count) && ++runs < 100);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	printf("# %d run(s) ended by a signal before the guest counted\n", runs);
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EINTR, err);
	EXPECT_EQ(KVM_EXIT_INTR, vcpu->run->exit_reason);
	EXPECT_GE(TEST_LOAD(got_signal), 1);
	EXPECT_NE(0u, *count);
	vcpu_free(vcpu);
	vm_free(vm);
}

struct runner {
	struct kvm_vcpu *vcpu;
	int done;
	int ret, err;
};

static void *run_thread(void *arg)
{
	struct runner *r = arg;

	r->ret = __vcpu_run(r->vcpu);
	r->err = errno;
	TEST_STORE(r->done, 1);
	return NULL;
}

TEST(pthread_kill_interrupts_guest)
{
	struct kvm_vm *vm;
	struct runner r = { .vcpu = spinner(&vm) };
	struct itimerval it = { .it_value.tv_usec = 50000 };
	uint32_t before;
	pthread_t t;
	int tries = 0;

	install(SIGUSR1);
	ASSERT_EQ(0, pthread_create(&t, NULL, run_thread, &r));
	/* Keep knocking: the first signal may come before KVM_RUN starts. */
	while (!TEST_LOAD(r.done) && tries++ < 1000) {
		usleep(20000);
		pthread_kill(t, SIGUSR1);
	}
	ASSERT_TRUE(TEST_LOAD(r.done));
	pthread_join(t, NULL);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
	EXPECT_EQ(KVM_EXIT_INTR, r.vcpu->run->exit_reason);
	/* The vCPU is intact: it runs on where it was. */
	before = *(uint32_t *)vm_gpa(vm, DATA_GPA);
	install(SIGALRM);
	setitimer(ITIMER_REAL, &it, NULL);
	EXPECT_EQ(-1, __vcpu_run(r.vcpu));
	EXPECT_GT(*(uint32_t *)vm_gpa(vm, DATA_GPA), before);
	vcpu_free(r.vcpu);
	vm_free(vm);
}

TEST(immediate_exit)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = spinner(&vm);
	struct itimerval it = { .it_value.tv_usec = 50000 };

	vcpu->run->immediate_exit = 1;
	vcpu->run->exit_reason = 0x5a5a;
	EXPECT_EQ(-1, __vcpu_run(vcpu));
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ(0x5a5au, vcpu->run->exit_reason);
	EXPECT_EQ(0u, *(uint32_t *)vm_gpa(vm, DATA_GPA));	/* never ran */
	/* Again, with the guest's state untouched in between. */
	EXPECT_EQ(-1, __vcpu_run(vcpu));
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ(0u, *(uint32_t *)vm_gpa(vm, DATA_GPA));

	vcpu->run->immediate_exit = 0;
	install(SIGALRM);
	setitimer(ITIMER_REAL, &it, NULL);
	EXPECT_EQ(-1, __vcpu_run(vcpu));
	EXPECT_EQ(KVM_EXIT_INTR, vcpu->run->exit_reason);
	EXPECT_NE(0u, *(uint32_t *)vm_gpa(vm, DATA_GPA));
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
