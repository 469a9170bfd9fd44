// SPDX-License-Identifier: GPL-2.0
/*
 * Host descriptor tables after a VM exit (vmx/run.c,
 * vmx_restore_host_descriptors()). A VM exit sets the GDT limit to FFFFh,
 * the TR limit to 67h and makes LDTR unusable; the host must put all
 * three back before it runs user code on that CPU again. Each case pins
 * itself to one CPU, runs a trivial guest to an OUT exit, and then uses
 * from user mode what the exit broke:
 *
 * - LSL on every GDT selector past the end of Linux's GDT must fail
 *   (ZF=0). With the limit left at FFFFh the CPU reads descriptors from
 *   beyond the GDT page, and the first unmapped one is a kernel page
 *   fault (an oops, which the test VM's kernel-log check reports).
 * - An LDT selector set up with modify_ldt() must stay valid (LSL gives
 *   its limit) after each of 50 KVM_RUNs.
 * - A port granted by ioperm() must stay usable (OUTB, no SIGSEGV) after
 *   each of 50 KVM_RUNs.
 */
#define _GNU_SOURCE
#include <asm/ldt.h>
#include <sched.h>
#include <signal.h>
#include <sys/io.h>
#include <ucontext.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define ROUNDS		50
#define LINUX_GDT_END	(16 * 8)	/* GDT_ENTRIES on x86_64 */
#define LDT_SEL		(0 << 3 | 4 | 3)	/* LDT entry 0, TI=1, RPL 3 */
#define LDT_LIMIT	0xfff
#define IOPERM_PORT	0x80

asm(GUEST_ASM_BEGIN(out_guest, ".code16")
	"1: outb %al, $0x10\n"
	"jmp 1b\n"
	GUEST_ASM_END(out_guest));
GUEST_CODE(out_guest);

/* LSL: true and *limit when the selector is valid and visible at CPL 3. */
static bool selector_limit(unsigned long sel, unsigned long *limit)
{
	unsigned long lim = 0;
	bool ok;

	asm volatile("lsl %[sel], %[lim]\n\tsetz %[ok]"
		     : [lim] "+r" (lim), [ok] "=qm" (ok) : [sel] "r" (sel) : "cc");
	*limit = lim;
	return ok;
}

FIXTURE(desc) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

FIXTURE_SETUP(desc)
{
	cpu_set_t set;

	/* Stay on the CPU whose state the exit changed. */
	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	self->vm = vm_create(GUEST_MEM_SIZE);
	self->vcpu = vcpu_create(self->vm, 0);
	vm_load_guest(self->vm, CODE_GPA, out_guest);
	vcpu_setup_real(self->vcpu, CODE_GPA);
}

FIXTURE_TEARDOWN(desc)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

TEST_F(desc, lsl_past_gdt_end_fails)
{
	unsigned long sel, limit;
	int valid = 0;

	vcpu_run_until_out(self->vcpu, PORT_RESULT);
	for (sel = LINUX_GDT_END; sel <= 0xfff8; sel += 8)
		if (selector_limit(sel | 3, &limit))
			valid++;
	EXPECT_EQ(0, valid);
}

TEST_F(desc, ldt_selector_survives_kvm_run)
{
	struct user_desc d = {
		.entry_number = 0, .base_addr = 0, .limit = LDT_LIMIT,
		.seg_32bit = 1, .contents = 0, .read_exec_only = 0,
		.limit_in_pages = 0, .seg_not_present = 0, .useable = 1,
	};
	unsigned long limit;
	int i, bad = 0;

	if (syscall(SYS_modify_ldt, 1, &d, sizeof(d)) && errno == ENOSYS)
		SKIP(return, "no modify_ldt() in this kernel (CONFIG_MODIFY_LDT_SYSCALL)");
	ASSERT_EQ(0, syscall(SYS_modify_ldt, 1, &d, sizeof(d)));
	ASSERT_TRUE(selector_limit(LDT_SEL, &limit));
	ASSERT_EQ(LDT_LIMIT, limit);
	for (i = 0; i < ROUNDS; i++) {
		vcpu_run_until_out(self->vcpu, PORT_RESULT);
		if (!selector_limit(LDT_SEL, &limit) || limit != LDT_LIMIT)
			bad++;
	}
	EXPECT_EQ(0, bad);
}

static int segv_count;

/* A #GP on the OUTB: count it and step over the 2-byte instruction. */
static void on_segv(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;

	TEST_INC(segv_count);
	uc->uc_mcontext.gregs[REG_RIP] += 2;
}

TEST_F(desc, ioperm_port_survives_kvm_run)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
	int i;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, NULL));
	if (ioperm(IOPERM_PORT, 1, 1) && errno == ENOSYS)
		SKIP(return, "no ioperm() in this kernel (CONFIG_X86_IOPL_IOPERM)");
	ASSERT_EQ(0, ioperm(IOPERM_PORT, 1, 1));
	for (i = 0; i < ROUNDS; i++) {
		vcpu_run_until_out(self->vcpu, PORT_RESULT);
		/* OUT imm8, AL: 2 bytes, as on_segv() assumes. */
		asm volatile("outb %%al, %[port]" : : "a" (0), [port] "N" (IOPERM_PORT));
	}
	signal(SIGSEGV, SIG_DFL);
	EXPECT_EQ(0, TEST_LOAD(segv_count));
}

MINIKVM_TEST_MAIN
