// SPDX-License-Identifier: GPL-2.0
/*
 * MMU cost benchmark: TSC ticks as the guest sees them, for
 *
 *   - first touch of a 4 KiB page: one EPT violation that faults the page
 *     in (mmu/ept_violation.c), measured over N fresh pages, one write each;
 *   - the same loop over the now-mapped pages (the loop's own cost);
 *   - an MMIO read that goes to this program and back through KVM_RUN
 *     (mmu/ept_misconfig.c and mmu/mmio.c after the first one).
 *
 *   mmu_bench [--dev PATH] [pages]
 *
 * One line carries the results:
 *
 *   BENCH-MMU <dev> pages=N touch=<ticks/page> mapped=<ticks/page> mmio=<ticks/read>
 *
 * The slot memory is 4 KiB host pages (MADV_NOHUGEPAGE): with THP, KVM
 * would map 2 MiB at a time and the two devices would not do the same
 * work. tools/testvm/bench-summary.sh puts both devices side by side.
 */
#include <stdlib.h>

#include "kvm_util.h"
#include "test_util.h"
#include "mmu_guest.h"

#define BENCH_GPA	0x400000ull

/* RDI: first fresh page, RSI: pages; results at DATA_GPA. */
asm(GUEST_ASM_BEGIN(mmu_bench_guest, ".code64")
	"movq %rsi, %r14\n"
	/* First touch: every write faults a page in. */
	"rdtsc\n"
	"shlq $32, %rdx\n"
	"orq %rax, %rdx\n"
	"movq %rdx, %r8\n"
	"movq %rdi, %rbx\n"
	"movq %r14, %rcx\n"
	"1: movq %rbx, (%rbx)\n"
	"addq $4096, %rbx\n"
	"decq %rcx\n"
	"jnz 1b\n"
	"rdtsc\n"
	"shlq $32, %rdx\n"
	"orq %rax, %rdx\n"
	"subq %r8, %rdx\n"
	"movq %rdx, 0x8000\n"
	/* The same loop over mapped pages. */
	"rdtsc\n"
	"shlq $32, %rdx\n"
	"orq %rax, %rdx\n"
	"movq %rdx, %r8\n"
	"movq %rdi, %rbx\n"
	"movq %r14, %rcx\n"
	"2: movq %rbx, (%rbx)\n"
	"addq $4096, %rbx\n"
	"decq %rcx\n"
	"jnz 2b\n"
	"rdtsc\n"
	"shlq $32, %rdx\n"
	"orq %rax, %rdx\n"
	"subq %r8, %rdx\n"
	"movq %rdx, 0x8008\n"
	/* MMIO reads: one warm-up (installs the MMIO entry), then N. */
	"movl $0x10000000, %ebx\n"
	"movq (%rbx), %r9\n"
	"rdtsc\n"
	"shlq $32, %rdx\n"
	"orq %rax, %rdx\n"
	"movq %rdx, %r8\n"
	"movq %r14, %rcx\n"
	"3: movq (%rbx), %r9\n"
	"decq %rcx\n"
	"jnz 3b\n"
	"rdtsc\n"
	"shlq $32, %rdx\n"
	"orq %rax, %rdx\n"
	"subq %r8, %rdx\n"
	"movq %rdx, 0x8010\n"
	"hlt\n"
	GUEST_ASM_END(mmu_bench_guest));
GUEST_CODE(mmu_bench_guest);

int main(int argc, char **argv)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_regs regs;
	unsigned long mmio = 0;
	uint64_t n, *res;
	void *mem;

	argc = test_parse_dev(argc, argv);
	n = argc > 1 ? strtoull(argv[1], NULL, 0) : 2000;
	vm = vm_create(GUEST_MEM_SIZE);
	mem = mmu_alloc(n << 12, 4096);
	mmu_set_slot(vm, 1, 0, BENCH_GPA, mem, n << 12);
	TEST_ASSERT(BENCH_GPA + (n << 12) <= MMU_MMIO_GPA, "%llu pages do not fit",
		    (unsigned long long)n);
	vcpu = vcpu_create(vm, 0);
	vm_load_guest(vm, CODE_GPA, mmu_bench_guest);
	vcpu_setup_long(vcpu, CODE_GPA);
	vcpu_get_regs(vcpu, &regs);
	regs.rdi = BENCH_GPA;
	regs.rsi = n;
	vcpu_set_regs(vcpu, &regs);

	for (;;) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason == KVM_EXIT_HLT)
			break;
		TEST_ASSERT(vcpu->run->exit_reason == KVM_EXIT_MMIO &&
			    !vcpu->run->mmio.is_write &&
			    vcpu->run->mmio.phys_addr == MMU_MMIO_GPA,
			    "unexpected exit %s",
			    exit_reason_str(vcpu->run->exit_reason));
		memset(vcpu->run->mmio.data, 0, sizeof(vcpu->run->mmio.data));
		mmio++;
	}
	TEST_ASSERT(mmio == n + 1, "%lu MMIO exits for %llu reads", mmio,
		    (unsigned long long)n);
	TEST_ASSERT(*(uint64_t *)mem == BENCH_GPA, "guest write did not land");
	res = vm_gpa(vm, DATA_GPA);
	printf("BENCH-MMU %s pages=%llu touch=%.0f mapped=%.1f mmio=%.0f\n",
	       test_dev_path, (unsigned long long)n, (double)res[0] / n,
	       (double)res[1] / n, (double)res[2] / n);
	vcpu_free(vcpu);
	vm_free(vm);
	return 0;
}
