// SPDX-License-Identifier: GPL-2.0
/*
 * Exception storms: guests whose exception delivery raises the same
 * exception again, forever, with no instruction retired in between.
 * Without interception the CPU loops inside event delivery and the host
 * CPU never gets control back (no VM exit, no interrupt window):
 *
 * - #AC (CVE-2015-5307 class): a 32-bit guest at CPL3 with CR0.AM and
 *   EFLAGS.AC, whose #AC gate leads to CPL3 code (no stack switch), on a
 *   misaligned stack. The first misaligned load raises #AC; pushing its
 *   frame onto the misaligned stack raises #AC again, and so on.
 * - #DB (CVE-2015-8104 class): a 64-bit guest whose #DB gate uses IST1
 *   and which puts a data write breakpoint on the IST stack's top slot.
 *   Every #DB delivery writes that slot, which makes the next #DB trap.
 *
 * Both devices intercept #AC and #DB (vmx/vmcs_config.c, the exception
 * bitmap; KVM since those CVEs), so the host gets control back at each:
 *
 * - the second #AC comes while the first is delivered (IDT-vectoring
 *   information valid): KVM_RUN returns KVM_EXIT_INTERNAL_ERROR with
 *   KVM_INTERNAL_ERROR_SIMUL_EX, the two vectors in data[0] and data[1]
 *   (KVM's handle_exception_nmi(); vmx/exit_event.c), every time the VMM
 *   runs the vCPU again;
 * - each #DB delivery completes before the trap it sets off, so each #DB
 *   is reflected into the guest through an exit of its own: a SIGALRM
 *   ends KVM_RUN with EINTR and KVM_EXIT_INTR.
 *
 * In both, a second host thread pinned to the vCPU thread's CPU keeps
 * counting while the vCPU runs, and the guest is where the storm holds it
 * (it did storm, and no instruction ran): at the faulting load for #AC,
 * at the #DB handler's first instruction for #DB.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define CR0_AM		(1ull << 18)
#define RFLAGS_IOPL3	(3ull << 12)
#define RFLAGS_AC	(1ull << 18)
#define SEL_CODE32_U	(0x30 | 3)	/* GDT[6]: flat 32-bit code, DPL 3 */
#define SEL_DATA_U	(0x38 | 3)	/* GDT[7]: flat data, DPL 3 */
#define AC_VEC		17
#define DB_VEC		1
#define IST_TOP		0x7000ul	/* the #DB handler's IST1 stack */
#define TSS_IST1	0x24		/* SDM Vol. 3A, "64-Bit Task State Segment" */
#define STORM_MS	300

/* The first load is misaligned: #AC, then #AC while pushing its frame. */
asm(GUEST_ASM_BEGIN(ac_guest, ".code32")
	"ac_fault:\n"
	"movl 0x8001, %eax\n"
	"movl $0xbad, %eax\n"		/* no #AC: tell the host */
	"outl %eax, $0x10\n"
	"1: hlt\n"
	"jmp 1b\n"
	"ac_handler:\n"			/* never reached: its frame faults */
	"movl $0xacac, %eax\n"
	"outl %eax, $0x10\n"
	"2: hlt\n"
	"jmp 2b\n"
	GUEST_ASM_END(ac_guest));
GUEST_CODE(ac_guest);
extern const char ac_fault[], ac_handler[];

/*
 * DR0 = the IST slot where delivery pushes SS, 8-byte write breakpoint
 * (L0, RW0 = 01, LEN0 = 10). The guest's own store to it is the first
 * #DB (a trap: RIP past the store); every delivery after that hits it
 * again before the handler's first instruction.
 */
asm(GUEST_ASM_BEGIN(db_guest, ".code64")
	"mov $0x6ff8, %rax\n"
	"mov %rax, %dr0\n"
	"mov $0x90401, %rax\n"
	"mov %rax, %dr7\n"
	"movq $0, 0x6ff8\n"
	"movl $0xbad, %eax\n"		/* no #DB storm: tell the host */
	"outl %eax, $0x10\n"
	"1: hlt\n"
	"jmp 1b\n"
	"db_handler:\n"			/* entered, never run, in a storm */
	"movl $0xdbdb, %eax\n"
	"outl %eax, $0x10\n"
	"2: hlt\n"
	"jmp 2b\n"
	GUEST_ASM_END(db_guest));
GUEST_CODE(db_guest);
extern const char db_handler[];

/* A second task on the vCPU thread's CPU: it counts while it gets time. */
struct counter {
	pthread_t thread;
	cpu_set_t cpu;
	unsigned long count;
	int stop;
};

static void *count_thread(void *arg)
{
	struct counter *c = arg;

	pthread_setaffinity_np(pthread_self(), sizeof(c->cpu), &c->cpu);
	while (!TEST_LOAD(c->stop))
		TEST_INC(c->count);
	return NULL;
}

static void on_alarm(int sig)
{
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct storm {
	int ret, err;
	unsigned long counted;	/* by the other task during KVM_RUN */
	double seconds;		/* KVM_RUN's wall time */
};

/*
 * One KVM_RUN of a storming vCPU, ended by SIGALRM after STORM_MS, with
 * the counting task on the same CPU.
 */
static struct storm storm_run(struct kvm_vcpu *vcpu)
{
	struct itimerval it = { .it_value.tv_usec = STORM_MS * 1000 };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct counter c = { 0 };
	struct storm s;
	unsigned long c0;
	double t0;

	CPU_ZERO(&c.cpu);
	CPU_SET(sched_getcpu(), &c.cpu);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(c.cpu), &c.cpu), "sched_setaffinity");
	TEST_ASSERT(!pthread_create(&c.thread, NULL, count_thread, &c), "pthread_create");
	while (!TEST_LOAD(c.count))
		sched_yield();
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART */
	setitimer(ITIMER_REAL, &it, NULL);
	c0 = TEST_LOAD(c.count);
	t0 = now_s();
	s.ret = __vcpu_run(vcpu);
	s.err = errno;
	s.seconds = now_s() - t0;
	s.counted = TEST_LOAD(c.count) - c0;
	TEST_STORE(c.stop, 1);
	pthread_join(c.thread, NULL);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	return s;
}

/*
 * Two storm runs: each must end with an exit to userspace (@simul_ex:
 * KVM_INTERNAL_ERROR_SIMUL_EX for vector @vec, else the alarm's EINTR),
 * with the other task counting, and the guest must stay at @rip. An OUT
 * from the guest means the CPU raised no storm at all: the test is
 * skipped with that reason.
 */
static void expect_storm(struct __test_metadata *_metadata, struct kvm_vcpu *vcpu,
			 uint64_t rip, bool simul_ex, unsigned int vec, const char *what)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	int round;

	for (round = 0; round < 2; round++) {
		struct storm s = storm_run(vcpu);

		if (s.ret == 0 && run->exit_reason == KVM_EXIT_IO &&
		    run->io.port == PORT_RESULT && *(uint32_t *)io_data(vcpu) == 0xbad)
			SKIP(return, "this CPU raised no %s: nothing storms", what);
		if (simul_ex) {
			ASSERT_EQ(0, s.ret) TH_LOG("%s storm: errno %d", what, s.err);
			ASSERT_EQ(KVM_EXIT_INTERNAL_ERROR, run->exit_reason)
				TH_LOG("%s storm: exit %u (%s)", what, run->exit_reason,
				       exit_reason_str(run->exit_reason));
			EXPECT_EQ(KVM_INTERNAL_ERROR_SIMUL_EX, run->internal.suberror);
			EXPECT_EQ(4u, run->internal.ndata);
			/* Valid, hardware exception, the vector: delivered, then raised. */
			EXPECT_EQ(0x80000300ull | vec, run->internal.data[0] & 0x800007ffull)
				TH_LOG("IDT-vectoring information %#llx", run->internal.data[0]);
			EXPECT_EQ(0x80000300ull | vec, run->internal.data[1] & 0x800007ffull)
				TH_LOG("exit interruption information %#llx", run->internal.data[1]);
		} else {
			ASSERT_EQ(-1, s.ret)
				TH_LOG("%s storm: KVM_RUN returned %d, exit %u (%s)", what, s.ret,
				       run->exit_reason, exit_reason_str(run->exit_reason));
			EXPECT_EQ(EINTR, s.err);
			EXPECT_EQ(KVM_EXIT_INTR, run->exit_reason);
		}
		/* At the latest, the alarm at STORM_MS ended it. */
		EXPECT_LT(s.seconds, 10.0) TH_LOG("KVM_RUN took %.1f s", s.seconds);
		if (!simul_ex)
			EXPECT_GT(s.counted, 0ul)
				TH_LOG("%s storm: the other task on this CPU never ran", what);
		vcpu_get_regs(vcpu, &regs);
		EXPECT_EQ(rip, regs.rip) TH_LOG("%s storm: RIP %#llx", what, regs.rip);
	}
}

TEST(ac_storm_at_cpl3_misaligned_stack)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint64_t *gdt = vm_gpa(vm, GDT_GPA);
	uint64_t *idt = vm_gpa(vm, IDT_GPA);
	uint64_t h = guest_label_gpa(CODE_GPA, ac_guest, ac_handler);
	struct kvm_segment code = {
		.limit = 0xffffffff, .selector = SEL_CODE32_U, .type = 11,
		.present = 1, .dpl = 3, .db = 1, .s = 1, .g = 1,
	};
	struct kvm_segment data = code;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	vm_load_guest(vm, CODE_GPA, ac_guest);
	vcpu_setup_prot32(vcpu, CODE_GPA, false);
	/* Flat 32-bit code and data at DPL 3 (SDM Vol. 3A, "Segment Descriptors"). */
	gdt[SEL_CODE32_U / 8] = 0x00cffb000000ffffull;
	gdt[SEL_DATA_U / 8] = 0x00cff3000000ffffull;
	/* #AC: 32-bit interrupt gate to the DPL 3 code: the handler runs at CPL3. */
	idt[AC_VEC] = (h & 0xffff) | ((uint64_t)SEL_CODE32_U << 16) | (0xeeull << 40) |
		      ((h >> 16) & 0xffff) << 48;
	vcpu_get_sregs(vcpu, &sregs);
	sregs.gdt.limit = 8 * 8 - 1;
	sregs.idt.base = IDT_GPA;
	sregs.idt.limit = 32 * 8 - 1;
	sregs.cr0 |= CR0_AM;
	data.selector = SEL_DATA_U;
	data.type = 3;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	vcpu_set_sregs(vcpu, &sregs);
	vcpu_get_regs(vcpu, &regs);
	regs.rsp = STACK_TOP - 2;
	regs.rflags |= RFLAGS_AC | RFLAGS_IOPL3;
	vcpu_set_regs(vcpu, &regs);

	expect_storm(_metadata, vcpu, guest_label_gpa(CODE_GPA, ac_guest, ac_fault), true,
		     AC_VEC, "#AC");
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(db_storm_on_ist_stack_breakpoint)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint64_t *idt = vm_gpa(vm, IDT_GPA);
	uint64_t h = guest_label_gpa(CODE_GPA, db_guest, db_handler);
	uint64_t ist = IST_TOP;
	const char *backend = getenv("MINIKVM_TEST_BACKEND");

	/*
	 * KVM (kvm_intel) in the Bochs test VM survived one round of this
	 * storm and stopped the whole L1 kernel in the second (console cut
	 * mid-line, nothing after it until the VM's timeout); minikvm in the
	 * same VM ran both rounds in 2 s. Which of Bochs' VMX emulation and
	 * KVM is at fault was not found: the case runs on /dev/kvm only on
	 * other backends (QEMU on real VT-x), so one stall cannot take the
	 * rest of a make check VM with it.
	 */
	if (!test_dev_is_minikvm() && backend && !strcmp(backend, "bochs")) {
		vcpu_free(vcpu);
		vm_free(vm);
		SKIP(return, "KVM in the Bochs test VM stalls L1 in this storm (see the test)");
	}
	vm_load_guest(vm, CODE_GPA, db_guest);
	vcpu_setup_long(vcpu, CODE_GPA);
	vcpu_setup_long_idt(vcpu);
	/* The TSS is at GPA 0 (lib/guest_modes.c); its IST1 slot. */
	memcpy(vm_gpa(vm, TSS_IST1), &ist, sizeof(ist));
	/* #DB: 64-bit interrupt gate, DPL 0, IST 1. */
	idt[2 * DB_VEC] = (h & 0xffff) | ((uint64_t)SEL_CODE64 << 16) | (1ull << 32) |
			  (0x8eull << 40) | ((h >> 16) & 0xffff) << 48;
	idt[2 * DB_VEC + 1] = h >> 32;

	/*
	 * Each delivery completes and the trap comes before the handler's
	 * first instruction: the storm sits there.
	 */
	expect_storm(_metadata, vcpu, guest_label_gpa(CODE_GPA, db_guest, db_handler), false,
		     DB_VEC, "#DB");
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
