// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO to userspace from the CPU modes mmio_test.c does not cover
 * (mmu/mmio.c, mmu/insn_decode.c, mmu/ept_violation.c,
 * mmu/ept_misconfig.c): 64-bit long mode at CPL0 and at CPL3 (user code
 * on user-accessible pages), and 32-bit protected mode with paging. Each
 * access of every width (1/2/4/8) must come back as one KVM_EXIT_MMIO
 * with the guest-physical address, the width and, for a write, the bytes
 * the instruction stored; bytes the host puts in run->mmio.data for a
 * read must land in the destination register with the instruction's zero
 * or sign extension; RIP must end past the last instruction, so no
 * instruction was skipped or repeated.
 *
 * An instruction that is not a plain MOV (ADD, XCHG, MOVS) touching MMIO
 * is emulated by KVM; minikvm's decoder covers MOVs only and must fail
 * cleanly with KVM_INTERNAL_ERROR_EMULATION and the instruction bytes.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define M		0x10000000ull	/* no memory slot there */
#define PM_LINEAR	0x300000ul	/* 32-bit guest's linear view of M */
#define SEL_UDATA	0x30
#define SEL_UCODE64	0x38

/*
 * Long mode: writes of each width from registers (with and without REX)
 * and immediates, then reads with MOV, MOVZX and MOVSX into registers
 * preset to all ones (so a missing zero extension shows), through base +
 * displacement, base + index * 8 (SIB), a bare disp32 (SIB, no base) and
 * RIP-relative addressing. Ends with OUT (allowed at CPL3 with IOPL 3)
 * and HLT. Must be loaded at CODE_GPA for the RIP-relative target.
 */
asm(GUEST_ASM_BEGIN(lm_mmio, ".code64")
	"movabsq $0x1122334455667788, %rax\n"
	"movl $0x10000000, %ebx\n"
	"movb %al, 0x00(%rbx)\n"
	"movw %ax, 0x02(%rbx)\n"
	"movl %eax, 0x04(%rbx)\n"
	"movq %rax, 0x08(%rbx)\n"
	"movabsq $0x0102030405060708, %r9\n"
	"movq %r9, 0x10(%rbx)\n"		/* REX.WR */
	"movb %r9b, 0x18(%rbx)\n"		/* REX.R, byte register */
	"movb %ah, 0x19(%rbx)\n"		/* high byte, no REX */
	"movq $-2, 0x20(%rbx)\n"		/* imm32 sign-extended to 8 */
	"movl $0xdeadbeef, 0x28(%rbx)\n"
	"movw $0x1234, 0x2c(%rbx)\n"
	"movb $0x5a, 0x2e(%rbx)\n"
	"movq $-1, %rsi\n"
	"movq $-1, %r10\n"
	"movq $-1, %r12\n"
	"movq $-1, %r14\n"
	"movq $-1, %r15\n"
	"movb 0x30(%rbx), %cl\n"
	"movw 0x32(%rbx), %dx\n"
	"movl 0x34(%rbx), %esi\n"		/* 32-bit destination: upper cleared */
	"movq 0x38(%rbx), %r11\n"
	"movzbl 0x40(%rbx), %r12d\n"
	"movsbq 0x41(%rbx), %r13\n"
	"movswl 0x42(%rbx), %r14d\n"
	"movzwq 0x44(%rbx), %r15\n"
	"movl $3, %ebp\n"
	"movq 0x48(%rbx,%rbp,8), %r8\n"	/* SIB: M + 0x60 */
	"movl 0x10000070, %r10d\n"		/* disp32 through SIB, no base */
	/* GAS makes sym(%rip) relative to here: M + 0x80 once at CODE_GPA. */
	"movl (lm_mmio_start + 0x10000080 - 0x10000)(%rip), %edi\n"
	"outb %al, $0x10\n"
	"hlt\n"
	GUEST_ASM_END(lm_mmio));
GUEST_CODE(lm_mmio);

/* CPL0 prologue: IRETQ to lm_mmio (address in RBP) at CPL3 with IOPL 3. */
asm(GUEST_ASM_BEGIN(to_user, ".code64")
	"pushq $0x33\n"
	"pushq $0xe000\n"
	"pushq $0x3002\n"
	"pushq $0x3b\n"
	"pushq %rbp\n"
	"iretq\n"
	GUEST_ASM_END(to_user));
GUEST_CODE(to_user);

/* 32-bit protected mode with paging; linear PM_LINEAR maps GPA M. */
asm(GUEST_ASM_BEGIN(pm_mmio, ".code32")
	"movl $0x300000, %ebx\n"
	"movl $0x11223344, %eax\n"
	"movb %al, (%ebx)\n"
	"movw %ax, 2(%ebx)\n"
	"movl %eax, 4(%ebx)\n"
	"movl $0xcafef00d, 8(%ebx)\n"
	"movb $0x7e, 0xc(%ebx)\n"
	"movl $-1, %edi\n"
	"movb 0x10(%ebx), %cl\n"
	"movw 0x12(%ebx), %dx\n"
	"movl 0x14(%ebx), %esi\n"
	"movsbl 0x18(%ebx), %edi\n"
	"movzwl 0x1a(%ebx), %ebp\n"
	"movl 0x30001c, %eax\n"		/* A1: moffs32 */
	"hlt\n"
	GUEST_ASM_END(pm_mmio));
GUEST_CODE(pm_mmio);

/* Non-MOV instructions on MMIO; each is run alone, from its label. */
asm(GUEST_ASM_BEGIN(bad_insn, ".code64")
	"bad_add: addl %eax, (%rbx)\n"
	"hlt\n"
	"bad_xchg: xchgl %eax, (%rbx)\n"
	"hlt\n"
	"bad_movs: movsb\n"
	"hlt\n"
	GUEST_ASM_END(bad_insn));
GUEST_CODE(bad_insn);
extern const char bad_add[], bad_xchg[], bad_movs[];

struct access {
	uint64_t gpa;
	uint32_t len;
	bool write;
	uint64_t data;	/* a write's expected bytes, or a read's answer */
};

static const struct access lm_accesses[] = {
	{ M + 0x00, 1, true, 0x88 },
	{ M + 0x02, 2, true, 0x7788 },
	{ M + 0x04, 4, true, 0x55667788 },
	{ M + 0x08, 8, true, 0x1122334455667788ull },
	{ M + 0x10, 8, true, 0x0102030405060708ull },
	{ M + 0x18, 1, true, 0x08 },
	{ M + 0x19, 1, true, 0x77 },
	{ M + 0x20, 8, true, 0xfffffffffffffffeull },
	{ M + 0x28, 4, true, 0xdeadbeef },
	{ M + 0x2c, 2, true, 0x1234 },
	{ M + 0x2e, 1, true, 0x5a },
	{ M + 0x30, 1, false, 0xa5 },
	{ M + 0x32, 2, false, 0xbeef },
	{ M + 0x34, 4, false, 0x89abcdef },
	{ M + 0x38, 8, false, 0xfedcba9876543210ull },
	{ M + 0x40, 1, false, 0x80 },
	{ M + 0x41, 1, false, 0x80 },
	{ M + 0x42, 2, false, 0x8001 },
	{ M + 0x44, 2, false, 0xfffe },
	{ M + 0x60, 8, false, 0x0123456789abcdefull },
	{ M + 0x70, 4, false, 0x13572468 },
	{ M + 0x80, 4, false, 0x24681357 },
};

static const struct access pm_accesses[] = {
	{ M + 0x00, 1, true, 0x44 },
	{ M + 0x02, 2, true, 0x3344 },
	{ M + 0x04, 4, true, 0x11223344 },
	{ M + 0x08, 4, true, 0xcafef00d },
	{ M + 0x0c, 1, true, 0x7e },
	{ M + 0x10, 1, false, 0xc3 },
	{ M + 0x12, 2, false, 0x8765 },
	{ M + 0x14, 4, false, 0xfedcba98 },
	{ M + 0x18, 1, false, 0x90 },
	{ M + 0x1a, 2, false, 0xf00f },
	{ M + 0x1c, 4, false, 0x0badcafe },
};

/* Run through @n accesses in order, answering reads, checking writes. */
static void run_accesses(struct __test_metadata *_metadata,
			 struct kvm_vcpu *vcpu, const struct access *a, int n)
{
	struct kvm_run *run = vcpu->run;

	for (int i = 0; i < n; i++) {
		uint64_t data = 0;

		vcpu_run(vcpu);
		ASSERT_EQ(KVM_EXIT_MMIO, run->exit_reason) {
			TH_LOG("access %d: exit %s", i, exit_reason_str(run->exit_reason));
		}
		ASSERT_EQ(a[i].gpa, run->mmio.phys_addr) {
			TH_LOG("access %d", i);
		}
		EXPECT_EQ(a[i].len, run->mmio.len);
		EXPECT_EQ(a[i].write, run->mmio.is_write);
		if (a[i].write) {
			memcpy(&data, run->mmio.data, a[i].len);
			EXPECT_EQ(a[i].data, data) {
				TH_LOG("access %d: write data", i);
			}
		} else {
			memcpy(run->mmio.data, &a[i].data, a[i].len);
		}
	}
}

/* What lm_accesses' reads must leave in the registers. */
static void check_lm_regs(struct __test_metadata *_metadata, struct kvm_regs *r)
{
	EXPECT_EQ(0xa5ull, r->rcx);
	EXPECT_EQ(0xbeefull, r->rdx);
	EXPECT_EQ(0x89abcdefull, r->rsi);
	EXPECT_EQ(0xfedcba9876543210ull, r->r11);
	EXPECT_EQ(0x80ull, r->r12);
	EXPECT_EQ(0xffffffffffffff80ull, r->r13);
	EXPECT_EQ(0xffff8001ull, r->r14);
	EXPECT_EQ(0xfffeull, r->r15);
	EXPECT_EQ(0x0123456789abcdefull, r->r8);
	EXPECT_EQ(0x13572468ull, r->r10);
	EXPECT_EQ(0x24681357ull, r->rdi);
}

TEST(long_mode_kernel)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_regs regs;

	vm_load_guest(vm, CODE_GPA, lm_mmio);
	vcpu_setup_long(vcpu, CODE_GPA);
	run_accesses(_metadata, vcpu, lm_accesses, ARRAY_SIZE(lm_accesses));
	vcpu_run_until_out(vcpu, PORT_RESULT);
	vcpu_run_until_hlt(vcpu);
	vcpu_get_regs(vcpu, &regs);
	check_lm_regs(_metadata, &regs);
	EXPECT_EQ(CODE_GPA + (lm_mmio_end - lm_mmio_start), regs.rip);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(long_mode_user)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint64_t *gdt = vm_gpa(vm, GDT_GPA);
	uint64_t *pml4 = vm_gpa(vm, PT_GPA);
	uint64_t *pdpt = vm_gpa(vm, PT_GPA + 0x1000);
	uint64_t *pd = vm_gpa(vm, PT_GPA + 0x2000);
	uint64_t user_rip = CODE_GPA;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	vm_load_guest(vm, CODE_GPA + 0x1000, to_user);
	vm_load_guest(vm, user_rip, lm_mmio);
	vcpu_setup_long(vcpu, CODE_GPA + 0x1000);
	/* User-accessible pages all the way down, and DPL 3 segments. */
	pml4[0] |= 4;
	pdpt[0] |= 4;
	for (int i = 0; i < 512; i++)
		pd[i] |= 4;
	gdt[SEL_UDATA / 8] = 0x00cff2000000ffffull;
	gdt[SEL_UCODE64 / 8] = 0x00affa000000ffffull;
	vcpu_get_sregs(vcpu, &sregs);
	sregs.gdt.limit = 8 * 8 - 1;
	vcpu_set_sregs(vcpu, &sregs);
	vcpu_get_regs(vcpu, &regs);
	regs.rbp = user_rip;
	vcpu_set_regs(vcpu, &regs);

	run_accesses(_metadata, vcpu, lm_accesses, ARRAY_SIZE(lm_accesses));
	vcpu_run_until_out(vcpu, PORT_RESULT);
	/* Still at CPL3 after all the emulated accesses. */
	vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(SEL_UCODE64 | 3, sregs.cs.selector);
	EXPECT_EQ(3, sregs.ss.dpl);
	vcpu_get_regs(vcpu, &regs);
	check_lm_regs(_metadata, &regs);
	/*
	 * RIP still at the 2-byte OUT: KVM moves it past an OUT to
	 * userspace only when the VMM runs the vCPU again (complete_fast_pio_out).
	 */
	EXPECT_EQ(user_rip + (lm_mmio_end - lm_mmio_start) - 3, regs.rip);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(protected_mode_paging)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_regs regs;
	uint32_t *pt;

	vm_load_guest(vm, CODE_GPA, pm_mmio);
	vcpu_setup_prot32(vcpu, CODE_GPA, true);
	pt = vm_gpa(vm, PT_GPA + 0x1000);
	pt[PM_LINEAR >> 12] = M | 3;
	run_accesses(_metadata, vcpu, pm_accesses, ARRAY_SIZE(pm_accesses));
	vcpu_run_until_hlt(vcpu);
	vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(0xc3ull, regs.rcx & 0xff);
	EXPECT_EQ(0x8765ull, regs.rdx & 0xffff);
	EXPECT_EQ(0xfedcba98ull, regs.rsi);
	EXPECT_EQ(0xffffff90ull, regs.rdi);
	EXPECT_EQ(0xf00full, regs.rbp);
	EXPECT_EQ(0x0badcafeull, regs.rax);
	EXPECT_EQ(CODE_GPA + (pm_mmio_end - pm_mmio_start), regs.rip);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * Run one non-MOV instruction against a tiny device (8 bytes at M that
 * start as 0x10) until HLT or a failure; returns the last exit reason.
 */
static uint32_t run_bad(struct __test_metadata *_metadata, struct kvm_vm *vm,
			struct kvm_vcpu *vcpu, const char *insn, uint8_t *dev)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;

	vm_load_guest(vm, CODE_GPA, bad_insn);
	vcpu_setup_long(vcpu, CODE_GPA + (insn - bad_insn_start));
	vcpu_get_regs(vcpu, &regs);
	regs.rax = 5;
	regs.rbx = M;
	regs.rsi = M;
	regs.rdi = DATA_GPA;
	vcpu_set_regs(vcpu, &regs);
	memset(dev, 0, 8);
	dev[0] = 0x10;
	for (int i = 0; i < 8; i++) {
		vcpu_run(vcpu);
		if (run->exit_reason != KVM_EXIT_MMIO)
			return run->exit_reason;
		EXPECT_EQ(M, run->mmio.phys_addr & ~7ull);
		if (run->mmio.is_write)
			memcpy(dev, run->mmio.data, run->mmio.len);
		else
			memcpy(run->mmio.data, dev, run->mmio.len);
	}
	return run->exit_reason;
}

/* minikvm: the decoder refuses it and reports the bytes; RIP stays. */
static void check_emulation_failure(struct __test_metadata *_metadata,
				    struct kvm_vcpu *vcpu, const char *insn,
				    int len)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;

	ASSERT_EQ(KVM_EXIT_INTERNAL_ERROR, run->exit_reason);
	EXPECT_EQ(KVM_INTERNAL_ERROR_EMULATION, run->emulation_failure.suberror);
	ASSERT_TRUE(run->emulation_failure.flags &
		    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES);
	ASSERT_LE(len, run->emulation_failure.insn_size);
	EXPECT_EQ(0, memcmp(run->emulation_failure.insn_bytes, insn, len));
	vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(CODE_GPA + (insn - bad_insn_start), regs.rip);
}

TEST(non_mov_instructions)
{
	const struct {
		const char *insn;
		int len;
	} cases[] = { { bad_add, 2 }, { bad_xchg, 2 }, { bad_movs, 1 } };

	for (unsigned int c = 0; c < ARRAY_SIZE(cases); c++) {
		struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
		struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
		uint8_t dev[8];
		struct kvm_regs regs;
		uint32_t reason;

		reason = run_bad(_metadata, vm, vcpu, cases[c].insn, dev);
		TH_LOG("case %u: exit %s", c, exit_reason_str(reason));
		if (test_dev_is_minikvm()) {
			check_emulation_failure(_metadata, vcpu, cases[c].insn, cases[c].len);
		} else {
			/* KVM's emulator does the whole instruction. */
			ASSERT_EQ(KVM_EXIT_HLT, reason);
			vcpu_get_regs(vcpu, &regs);
			if (cases[c].insn == bad_add) {
				EXPECT_EQ(0x15, dev[0]);
			} else if (cases[c].insn == bad_xchg) {
				EXPECT_EQ(5, dev[0]);
				EXPECT_EQ(0x10ull, regs.rax);
			} else {
				EXPECT_EQ(0x10, *(uint8_t *)vm_gpa(vm, DATA_GPA));
				EXPECT_EQ(M + 1, regs.rsi);
				EXPECT_EQ(DATA_GPA + 1, regs.rdi);
			}
		}
		vcpu_free(vcpu);
		vm_free(vm);
	}
}

MINIKVM_TEST_MAIN
