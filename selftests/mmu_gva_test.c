// SPDX-License-Identifier: GPL-2.0
/*
 * The memory operand of INS/OUTS, which the VMM reaches through the
 * guest's page tables itself (mmu/gva.c, mmu_gva_access()), is checked
 * as the CPU checks it (SDM Vol. 3A, "Access Rights"):
 *
 * - a CPL 0 REP INSB into a page the guest mapped read-only, with
 *   CR0.WP = 1, takes #PF (P|W), CR2 the page, RDI and RCX untouched and
 *   the page unchanged; with CR0.WP = 0 the store goes through;
 * - CPL 3 INSB into, and OUTSB from, a supervisor page take #PF (P|W|U,
 *   P|U); the OUTSB never reaches userspace;
 * - INSB into a page that is not present takes #PF (W);
 * - under CR4.SMAP a CPL 0 INSB into a user page takes #PF unless
 *   EFLAGS.AC is set;
 * - an INSB store dirties its page in the dirty log;
 * - the emulated access sets the accessed flag of the page-table entries
 *   it used and, for the INS store, the dirty flag of the leaf (a 4 KiB
 *   PTE or a 2 MiB PDE), as the CPU does (SDM Vol. 3A, "Accessed and
 *   Dirty Flags"); OUTS sets accessed only. Before, the VMM's INS left
 *   both clear, so a guest that tracks its writes with D lost the store;
 * - an INSB into a KVM_MEM_READONLY slot leaves it unchanged. KVM turns
 *   the store into an MMIO exit; minikvm reports an emulation failure
 *   (Documentation/memory.rst, "Emulated guest accesses").
 *
 * Before minikvm checked the rights, each of the faulting accesses
 * completed (the INS wrote, the OUTS read supervisor data out).
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define PML4_GPA	PT_GPA
#define PDPT_GPA	(PT_GPA + 0x1000)
#define PD_GPA		(PT_GPA + 0x2000)
#define PT4K_GPA	(PT_GPA + 0x3000)
#define SUPER_GPA	0x30000ul	/* present, writable, supervisor */
#define RO_GPA		0x31000ul	/* present, read-only, user */
#define NP_GPA		0x32000ul	/* not present */
#define USER_GPA	0x33000ul	/* present, writable, user */
#define PF_HANDLER_GPA	0x34000ul
#define ROM_GPA		0x200000ul	/* slot 1, KVM_MEM_READONLY */
#define LOG_GPA		0x400000ul	/* slot 2, KVM_MEM_LOG_DIRTY_PAGES */

#define PTE_P		0x1ull
#define PTE_RW		0x2ull
#define PTE_US		0x4ull
#define PTE_A		0x20ull
#define PTE_D		0x40ull
#define PTE_PS		0x80ull

#define PF_P		0x1u
#define PF_W		0x2u
#define PF_U		0x4u

#define TEST_PORT	0x80
#define DONE		0xd0e
#define FILL		0x5a
#define RFLAGS_IOPL3	0x3002ull
#define RFLAGS_AC	0x40000ull
#define CR0_WP		(1ull << 16)
#define CR4_SMAP	(1ull << 21)
#define SEL_UCODE	(0x30 | 3)
#define SEL_UDATA	(0x38 | 3)

/* #PF: OUT the error code, then CR2, to PORT_RESULT; halt. */
asm(GUEST_ASM_BEGIN(pf_handler, ".code64")
	"popq %rax\n"
	"outl %eax, $0x10\n"
	"mov %cr2, %rax\n"
	"outl %eax, $0x10\n"
	"1: hlt\n"
	"jmp 1b\n"
	GUEST_ASM_END(pf_handler));
GUEST_CODE(pf_handler);

/* RDI, RSI, RCX are set by the host; DONE says the access completed. */
asm(GUEST_ASM_BEGIN(rep_insb_guest, ".code64")
	"mov $0x80, %dx\n"
	"rep insb\n"
	"mov $0xd0e, %eax\n"
	"outl %eax, $0x10\n"
	"1: jmp 1b\n"
	GUEST_ASM_END(rep_insb_guest));
GUEST_CODE(rep_insb_guest);

asm(GUEST_ASM_BEGIN(insb_guest, ".code64")
	"mov $0x80, %dx\n"
	"insb\n"
	"mov $0xd0e, %eax\n"
	"outl %eax, $0x10\n"
	"1: jmp 1b\n"
	GUEST_ASM_END(insb_guest));
GUEST_CODE(insb_guest);

asm(GUEST_ASM_BEGIN(outsb_guest, ".code64")
	"mov $0x80, %dx\n"
	"outsb\n"
	"mov $0xd0e, %eax\n"
	"outl %eax, $0x10\n"
	"1: jmp 1b\n"
	GUEST_ASM_END(outsb_guest));
GUEST_CODE(outsb_guest);

struct gva_guest {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	int outs;		/* OUTs to TEST_PORT seen */
};

/*
 * Long mode with 4 KiB pages for the first 2 MiB: every page has the
 * U/S bit @user_default except the special pages above; 2 MiB pages at
 * ROM_GPA and LOG_GPA. The #PF handler at PF_HANDLER_GPA.
 */
static void gva_setup(struct gva_guest *g, const char *start, const char *end,
		      bool user_default)
{
	uint64_t us = user_default ? PTE_US : 0, *pt, *pd, *idt;
	uint64_t h = PF_HANDLER_GPA;

	g->vm = vm_create(GUEST_MEM_SIZE);
	g->vcpu = vcpu_create(g->vm, 0);
	g->outs = 0;
	vm_load_code(g->vm, CODE_GPA, start, end);
	vm_load_guest(g->vm, PF_HANDLER_GPA, pf_handler);
	vcpu_setup_long(g->vcpu, CODE_GPA);
	vcpu_setup_long_idt(g->vcpu);

	memset(vm_gpa(g->vm, PML4_GPA), 0, 4 * 4096);
	*(uint64_t *)vm_gpa(g->vm, PML4_GPA) = PDPT_GPA | PTE_P | PTE_RW | PTE_US;
	*(uint64_t *)vm_gpa(g->vm, PDPT_GPA) = PD_GPA | PTE_P | PTE_RW | PTE_US;
	pd = vm_gpa(g->vm, PD_GPA);
	pd[0] = PT4K_GPA | PTE_P | PTE_RW | PTE_US;
	pd[1] = ROM_GPA | PTE_P | PTE_RW | PTE_PS;
	pd[2] = LOG_GPA | PTE_P | PTE_RW | PTE_PS;
	pt = vm_gpa(g->vm, PT4K_GPA);
	for (int i = 0; i < 512; i++)
		pt[i] = (uint64_t)i * 4096 | PTE_P | PTE_RW | us;
	pt[SUPER_GPA >> 12] = SUPER_GPA | PTE_P | PTE_RW;
	pt[RO_GPA >> 12] = RO_GPA | PTE_P | PTE_US;
	pt[NP_GPA >> 12] = 0;
	pt[USER_GPA >> 12] = USER_GPA | PTE_P | PTE_RW | PTE_US;
	memset(vm_gpa(g->vm, SUPER_GPA), FILL, 4 * 4096);

	/* Vector 14: 64-bit interrupt gate, DPL 0. */
	idt = vm_gpa(g->vm, IDT_GPA);
	idt[28] = (h & 0xffff) | ((uint64_t)SEL_CODE64 << 16) | (0x8eull << 40) |
		  ((h >> 16) & 0xffff) << 48;
	idt[29] = h >> 32;
	/* The TSS is at GPA 0: RSP0 for an exception taken at CPL 3. */
	*(uint64_t *)vm_gpa(g->vm, 4) = STACK_TOP;
}

static void gva_free(struct gva_guest *g)
{
	vcpu_free(g->vcpu);
	vm_free(g->vm);
}

static void gva_set_regs(struct gva_guest *g, uint64_t rdi, uint64_t rsi, uint64_t rcx,
			 uint64_t rflags)
{
	struct kvm_regs regs;

	vcpu_get_regs(g->vcpu, &regs);
	regs.rdi = rdi;
	regs.rsi = rsi;
	regs.rcx = rcx;
	regs.rflags = rflags;
	vcpu_set_regs(g->vcpu, &regs);
}

/* CPL 3: 64-bit user code and data segments (also written to the GDT). */
static void gva_enter_user(struct gva_guest *g)
{
	uint64_t *gdt = vm_gpa(g->vm, GDT_GPA);
	struct kvm_sregs sregs;

	vcpu_get_sregs(g->vcpu, &sregs);
	sregs.cs.selector = SEL_UCODE;
	sregs.cs.dpl = 3;
	sregs.ss.selector = sregs.ds.selector = sregs.es.selector = SEL_UDATA;
	sregs.fs.selector = sregs.gs.selector = SEL_UDATA;
	sregs.ss.dpl = sregs.ds.dpl = sregs.es.dpl = sregs.fs.dpl = sregs.gs.dpl = 3;
	sregs.gdt.limit = 8 * 8 - 1;
	gdt[6] = 0x00affb000000ffffull;		/* L, DPL 3, code */
	gdt[7] = 0x00cff3000000ffffull;		/* D/B, DPL 3, data */
	vcpu_set_sregs(g->vcpu, &sregs);
}

/*
 * Run until the guest OUTs to PORT_RESULT; TEST_PORT reads as 0xaa.
 * Returns 0 with *val, or the exit reason that ended the run.
 */
static uint32_t gva_run(struct gva_guest *g, uint32_t *val)
{
	struct kvm_run *run = g->vcpu->run;

	for (;;) {
		vcpu_run(g->vcpu);
		if (run->exit_reason != KVM_EXIT_IO)
			return run->exit_reason;
		if (run->io.port == TEST_PORT) {
			if (run->io.direction == KVM_EXIT_IO_IN)
				memset(io_data(g->vcpu), 0xaa, run->io.size * run->io.count);
			else
				g->outs++;
			continue;
		}
		TEST_ASSERT(run->io.port == PORT_RESULT && run->io.direction == KVM_EXIT_IO_OUT,
			    "unexpected I/O port 0x%x (PORT_EXC: vector %u)", run->io.port,
			    *(uint32_t *)io_data(g->vcpu));
		*val = 0;
		memcpy(val, io_data(g->vcpu), run->io.size);
		return 0;
	}
}

/* The guest must take #PF with @error and CR2 = @cr2. */
static void expect_pf(struct __test_metadata *_metadata, struct gva_guest *g,
		      uint32_t error, uint64_t cr2)
{
	uint32_t code = 0, addr = 0;

	ASSERT_EQ(0u, gva_run(g, &code));
	ASSERT_NE(DONE, code) TH_LOG("the access completed without a #PF");
	EXPECT_EQ(error, code);
	ASSERT_EQ(0u, gva_run(g, &addr));
	EXPECT_EQ((uint32_t)cr2, addr);
}

static bool page_unchanged(struct gva_guest *g, uint64_t gpa)
{
	uint8_t *p = vm_gpa(g->vm, gpa);

	for (int i = 0; i < 4096; i++)
		if (p[i] != FILL)
			return false;
	return true;
}

TEST(cpl0_rep_insb_into_readonly_page_faults_with_wp)
{
	struct gva_guest g;
	struct kvm_regs regs;

	gva_setup(&g, rep_insb_guest_start, rep_insb_guest_end, true);
	gva_set_regs(&g, RO_GPA, 0, 4, 2);
	expect_pf(_metadata, &g, PF_P | PF_W, RO_GPA);
	vcpu_get_regs(g.vcpu, &regs);
	EXPECT_EQ(RO_GPA, regs.rdi);
	EXPECT_EQ(4ull, regs.rcx);
	EXPECT_TRUE(page_unchanged(&g, RO_GPA));
	gva_free(&g);
}

TEST(cpl0_rep_insb_into_readonly_page_writes_without_wp)
{
	struct kvm_sregs sregs;
	struct gva_guest g;
	uint32_t val = 0;

	gva_setup(&g, rep_insb_guest_start, rep_insb_guest_end, true);
	vcpu_get_sregs(g.vcpu, &sregs);
	sregs.cr0 &= ~CR0_WP;
	vcpu_set_sregs(g.vcpu, &sregs);
	gva_set_regs(&g, RO_GPA, 0, 4, 2);
	ASSERT_EQ(0u, gva_run(&g, &val));
	EXPECT_EQ(DONE, val);
	EXPECT_EQ(0xaaaaaaaau, *(uint32_t *)vm_gpa(g.vm, RO_GPA));
	gva_free(&g);
}

TEST(cpl3_insb_into_supervisor_page_faults)
{
	struct gva_guest g;

	gva_setup(&g, insb_guest_start, insb_guest_end, true);
	gva_enter_user(&g);
	gva_set_regs(&g, SUPER_GPA + 8, 0, 0, RFLAGS_IOPL3);
	expect_pf(_metadata, &g, PF_P | PF_W | PF_U, SUPER_GPA + 8);
	EXPECT_TRUE(page_unchanged(&g, SUPER_GPA));
	gva_free(&g);
}

TEST(cpl3_outsb_from_supervisor_page_faults)
{
	struct gva_guest g;

	gva_setup(&g, outsb_guest_start, outsb_guest_end, true);
	gva_enter_user(&g);
	gva_set_regs(&g, 0, SUPER_GPA + 8, 0, RFLAGS_IOPL3);
	expect_pf(_metadata, &g, PF_P | PF_U, SUPER_GPA + 8);
	EXPECT_EQ(0, g.outs) TH_LOG("supervisor data went out to userspace");
	gva_free(&g);
}

TEST(insb_into_not_present_page_faults)
{
	struct gva_guest g;

	gva_setup(&g, insb_guest_start, insb_guest_end, true);
	gva_set_regs(&g, NP_GPA + 1, 0, 0, 2);
	expect_pf(_metadata, &g, PF_W, NP_GPA + 1);
	gva_free(&g);
}

TEST(smap_faults_supervisor_insb_into_user_page_unless_ac)
{
	struct kvm_cpuid_entry2 *leaf7;
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;
	struct gva_guest g;
	uint32_t val = 0;

	for (int ac = 0; ac < 2; ac++) {
		gva_setup(&g, insb_guest_start, insb_guest_end, false);
		cpuid = kvm_get_supported_cpuid(g.vm->dev_fd);
		leaf7 = cpuid_find(cpuid, 7, 0);
		if (!leaf7 || !(leaf7->ebx & (1u << 20))) {
			gva_free(&g);
			SKIP(return, "the device offers no SMAP (CPUID.7.0:EBX[20])");
		}
		vcpu_set_cpuid(g.vcpu, cpuid);
		free(cpuid);
		vcpu_get_sregs(g.vcpu, &sregs);
		sregs.cr4 |= CR4_SMAP;
		vcpu_set_sregs(g.vcpu, &sregs);
		gva_set_regs(&g, USER_GPA, 0, 0, 2 | (ac ? RFLAGS_AC : 0));
		if (!ac) {
			expect_pf(_metadata, &g, PF_P | PF_W, USER_GPA);
		} else {
			ASSERT_EQ(0u, gva_run(&g, &val));
			EXPECT_EQ(DONE, val);
			EXPECT_EQ(0xaa, *(uint8_t *)vm_gpa(g.vm, USER_GPA));
		}
		gva_free(&g);
	}
}

TEST(insb_store_is_in_the_dirty_log)
{
	struct kvm_userspace_memory_region r;
	unsigned long bitmap = 0;
	struct kvm_dirty_log log = { .slot = 2, .dirty_bitmap = &bitmap };
	struct gva_guest g;
	uint32_t val = 0;
	uint8_t *mem;

	mem = aligned_alloc(4096, 2 * 4096);
	ASSERT_NE(NULL, mem);
	memset(mem, 0, 2 * 4096);
	gva_setup(&g, insb_guest_start, insb_guest_end, true);
	r = (struct kvm_userspace_memory_region) {
		.slot = 2, .flags = KVM_MEM_LOG_DIRTY_PAGES, .guest_phys_addr = LOG_GPA,
		.memory_size = 2 * 4096, .userspace_addr = (uintptr_t)mem,
	};
	ASSERT_EQ(0, ioctl(g.vm->fd, KVM_SET_USER_MEMORY_REGION, &r));
	gva_set_regs(&g, LOG_GPA + 4096 + 3, 0, 0, 2);
	ASSERT_EQ(0u, gva_run(&g, &val));
	EXPECT_EQ(DONE, val);
	EXPECT_EQ(0xaa, mem[4096 + 3]);
	ASSERT_EQ(0, ioctl(g.vm->fd, KVM_GET_DIRTY_LOG, &log));
	EXPECT_EQ(2ul, bitmap) TH_LOG("dirty bitmap %#lx", bitmap);
	/* The 2 MiB leaf that mapped the store is accessed and dirty. */
	EXPECT_EQ(PTE_A | PTE_D, ((uint64_t *)vm_gpa(g.vm, PD_GPA))[2] & (PTE_A | PTE_D));
	gva_free(&g);
	free(mem);
}

/* The PTE of USER_GPA after the guest's one access at USER_GPA + 8. */
static uint64_t pte_after_access(struct __test_metadata *_metadata, const char *start,
				 const char *end)
{
	struct gva_guest g;
	uint64_t *pte, ret;
	uint32_t val = 0;

	gva_setup(&g, start, end, true);
	pte = (uint64_t *)vm_gpa(g.vm, PT4K_GPA) + (USER_GPA >> 12);
	*pte &= ~(PTE_A | PTE_D);
	gva_set_regs(&g, USER_GPA + 8, USER_GPA + 8, 0, 2);
	EXPECT_EQ(0u, gva_run(&g, &val));
	EXPECT_EQ(DONE, val);
	ret = *pte;
	gva_free(&g);
	return ret;
}

TEST(insb_sets_accessed_and_dirty)
{
	uint64_t pte = pte_after_access(_metadata, insb_guest_start, insb_guest_end);

	EXPECT_EQ(PTE_A | PTE_D, pte & (PTE_A | PTE_D)) TH_LOG("PTE %#llx",
							     (unsigned long long)pte);
	EXPECT_EQ(USER_GPA | PTE_P | PTE_RW | PTE_US, pte & ~(PTE_A | PTE_D));
}

TEST(outsb_sets_accessed_only)
{
	uint64_t pte = pte_after_access(_metadata, outsb_guest_start, outsb_guest_end);

	EXPECT_EQ(PTE_A, pte & (PTE_A | PTE_D)) TH_LOG("PTE %#llx", (unsigned long long)pte);
}

TEST(insb_into_readonly_slot_leaves_it_unchanged)
{
	struct kvm_userspace_memory_region r;
	struct kvm_run *run;
	struct gva_guest g;
	uint32_t val = 0, reason;
	uint8_t *rom;

	rom = aligned_alloc(4096, 4096);
	ASSERT_NE(NULL, rom);
	memset(rom, FILL, 4096);
	gva_setup(&g, insb_guest_start, insb_guest_end, true);
	r = (struct kvm_userspace_memory_region) {
		.slot = 1, .flags = KVM_MEM_READONLY, .guest_phys_addr = ROM_GPA,
		.memory_size = 4096, .userspace_addr = (uintptr_t)rom,
	};
	ASSERT_EQ(0, ioctl(g.vm->fd, KVM_SET_USER_MEMORY_REGION, &r));
	gva_set_regs(&g, ROM_GPA + 5, 0, 0, 2);
	reason = gva_run(&g, &val);
	run = g.vcpu->run;
	EXPECT_EQ(FILL, rom[5]);
	if (test_dev_is_minikvm()) {
		/* Not emulated: Documentation/memory.rst. */
		ASSERT_EQ(KVM_EXIT_INTERNAL_ERROR, reason);
		EXPECT_EQ(KVM_INTERNAL_ERROR_EMULATION, run->internal.suberror);
	} else {
		ASSERT_EQ(KVM_EXIT_MMIO, reason);
		EXPECT_TRUE(run->mmio.is_write);
		EXPECT_EQ(ROM_GPA + 5, run->mmio.phys_addr);
		EXPECT_EQ(0xaa, run->mmio.data[0]);
	}
	gva_free(&g);
	free(rom);
}

MINIKVM_TEST_MAIN
