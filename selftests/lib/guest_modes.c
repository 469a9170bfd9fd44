// SPDX-License-Identifier: GPL-2.0
/*
 * Putting a vCPU in a CPU mode from the host: real mode, 32-bit protected
 * mode with or without paging, 64-bit long mode. Everything is written
 * through KVM_SET_SREGS/KVM_SET_REGS plus tables in guest memory, the way
 * a VMM starts a guest that skips its own boot code.
 */
#include "kvm_util.h"

#define CR0_PE	(1ul << 0)
#define CR0_MP	(1ul << 1)
#define CR0_ET	(1ul << 4)
#define CR0_NE	(1ul << 5)
#define CR0_WP	(1ul << 16)
#define CR0_PG	(1ul << 31)
#define CR4_PAE	(1ul << 5)
#define CR4_OSFXSR	(1ul << 9)
#define CR4_OSXMMEXCPT	(1ul << 10)
#define EFER_LME	(1ul << 8)
#define EFER_LMA	(1ul << 10)

#define PTE_P	(1ull << 0)
#define PTE_RW	(1ull << 1)
#define PTE_PS	(1ull << 7)

static void regs_start(struct kvm_vcpu *vcpu, uint64_t rip)
{
	struct kvm_regs regs = { 0 };

	regs.rip = rip;
	regs.rsp = STACK_TOP;
	regs.rflags = 2;	/* bit 1 is always set */
	vcpu_set_regs(vcpu, &regs);
}

void vcpu_setup_real(struct kvm_vcpu *vcpu, uint64_t gpa)
{
	struct kvm_sregs sregs;

	TEST_ASSERT(!(gpa & 0xf) && gpa < 0x100000, "real-mode code at 0x%llx",
		    (unsigned long long)gpa);
	vcpu_get_sregs(vcpu, &sregs);
	/* Reset state is real mode at f000:fff0; move CS to the code. */
	sregs.cs.selector = gpa >> 4;
	sregs.cs.base = gpa;
	/* Data and stack segments at 0: DATA_GPA and STACK_TOP are offsets. */
	sregs.ds.selector = sregs.es.selector = sregs.ss.selector = 0;
	sregs.ds.base = sregs.es.base = sregs.ss.base = 0;
	sregs.fs.selector = sregs.gs.selector = 0;
	sregs.fs.base = sregs.gs.base = 0;
	vcpu_set_sregs(vcpu, &sregs);
	regs_start(vcpu, 0);
}

static void seg_flat(struct kvm_segment *s, uint16_t sel, uint8_t type,
		     bool db, bool l)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->db = db;
	s->l = l;
	s->g = 1;
}

/* The 8-byte GDT descriptor of a kvm_segment, so the GDT agrees with sregs. */
static uint64_t seg_desc(const struct kvm_segment *s)
{
	uint64_t d, limit = s->g ? s->limit >> 12 : s->limit;

	d = (limit & 0xffff) | ((s->base & 0xffffff) << 16);
	d |= (uint64_t)(s->type | s->s << 4 | s->dpl << 5 | s->present << 7) << 40;
	d |= ((limit >> 16) & 0xf) << 48;
	d |= (uint64_t)(s->avl | s->l << 1 | s->db << 2 | s->g << 3) << 52;
	d |= ((s->base >> 24) & 0xff) << 56;
	return d;
}

static void setup_segments(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs,
			   bool code64)
{
	uint64_t *gdt = vm_gpa(vcpu->vm, GDT_GPA);
	struct kvm_segment code64_seg, code32_seg, data, tss;

	seg_flat(&code64_seg, SEL_CODE64, 11, false, true);
	seg_flat(&code32_seg, SEL_CODE32, 11, true, false);
	seg_flat(&data, SEL_DATA, 3, true, false);
	/* VM entry wants a usable busy TSS in TR outside real mode. */
	memset(&tss, 0, sizeof(tss));
	tss.selector = SEL_TSS;
	tss.limit = 0x67;
	tss.type = 11;
	tss.present = 1;

	gdt[0] = 0;
	gdt[SEL_CODE64 / 8] = seg_desc(&code64_seg);
	gdt[SEL_DATA / 8] = seg_desc(&data);
	gdt[SEL_CODE32 / 8] = seg_desc(&code32_seg);
	gdt[SEL_TSS / 8] = seg_desc(&tss);
	gdt[SEL_TSS / 8 + 1] = 0;	/* upper half of a 64-bit TSS descriptor */

	sregs->cs = code64 ? code64_seg : code32_seg;
	sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = data;
	sregs->tr = tss;
	sregs->gdt.base = GDT_GPA;
	sregs->gdt.limit = 6 * 8 - 1;
	/* No IDT yet: an exception in the guest ends in a triple fault. */
	sregs->idt.base = IDT_GPA;
	sregs->idt.limit = 0;
}

void vcpu_setup_prot32(struct kvm_vcpu *vcpu, uint64_t gpa, bool paging)
{
	struct kvm_sregs sregs;

	vcpu_get_sregs(vcpu, &sregs);
	setup_segments(vcpu, &sregs, false);
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE;
	sregs.cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT;
	sregs.efer = 0;
	if (paging) {
		/* Non-PAE 2-level tables: PD at PT_GPA, 4 KiB pages behind it. */
		uint32_t *pd = vm_gpa(vcpu->vm, PT_GPA);
		uint64_t mapped = vcpu->vm->mem_size;

		memset(pd, 0, 4096);
		for (uint64_t tab = 0; tab * (4ul << 20) < mapped; tab++) {
			uint64_t pt_gpa = PT_GPA + 4096 * (1 + tab);
			uint32_t *pt = vm_gpa(vcpu->vm, pt_gpa);

			TEST_ASSERT(pt_gpa < DATA_GPA, "too many page tables");
			pd[tab] = pt_gpa | PTE_P | PTE_RW;
			for (int i = 0; i < 1024; i++) {
				uint64_t pa = tab * (4ul << 20) + i * 4096ul;

				pt[i] = pa < mapped ? (pa | PTE_P | PTE_RW) : 0;
			}
		}
		sregs.cr3 = PT_GPA;
		sregs.cr0 |= CR0_PG | CR0_WP;
	}
	vcpu_set_sregs(vcpu, &sregs);
	regs_start(vcpu, gpa);
}

void vcpu_setup_long(struct kvm_vcpu *vcpu, uint64_t gpa)
{
	uint64_t *pml4 = vm_gpa(vcpu->vm, PT_GPA);
	uint64_t *pdpt = vm_gpa(vcpu->vm, PT_GPA + 0x1000);
	uint64_t *pd = vm_gpa(vcpu->vm, PT_GPA + 0x2000);
	struct kvm_sregs sregs;

	/* 4-level identity map of the first GiB with 2 MiB pages. */
	memset(pml4, 0, 3 * 4096);
	pml4[0] = (PT_GPA + 0x1000) | PTE_P | PTE_RW;
	pdpt[0] = (PT_GPA + 0x2000) | PTE_P | PTE_RW;
	for (int i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_RW | PTE_PS;

	vcpu_get_sregs(vcpu, &sregs);
	setup_segments(vcpu, &sregs, true);
	sregs.cr3 = PT_GPA;
	sregs.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	/* KVM_SET_SREGS takes LMA as given: it must agree with LME and PG. */
	sregs.efer = EFER_LME | EFER_LMA;
	vcpu_set_sregs(vcpu, &sregs);
	regs_start(vcpu, gpa);
}

/*
 * 32 exception stubs, 16 bytes apart: each pushes its vector and jumps to
 * a common tail that OUTs the vector then the word below it (the error
 * code for vectors that have one) to PORT_EXC and halts for good.
 */
asm(GUEST_ASM_BEGIN(guest_exc, ".code64")
	".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	".balign 16\n"
	"pushq $\\v\n"
	"jmp guest_exc_common\n"
	".endr\n"
	"guest_exc_common:\n"
	"popq %rax\n"
	"outl %eax, $0xe0\n"
	"movq (%rsp), %rax\n"
	"outl %eax, $0xe0\n"
	"1: hlt\n"
	"jmp 1b\n"
	GUEST_ASM_END(guest_exc));
GUEST_CODE(guest_exc);

void vcpu_setup_long_idt(struct kvm_vcpu *vcpu)
{
	uint64_t *idt = vm_gpa(vcpu->vm, IDT_GPA);
	struct kvm_sregs sregs;

	vm_load_guest(vcpu->vm, EXC_GPA, guest_exc);
	for (int v = 0; v < 32; v++) {
		uint64_t h = EXC_GPA + 16 * v;

		/* 64-bit interrupt gate (type 14), present, DPL 0. */
		idt[2 * v] = (h & 0xffff) | ((uint64_t)SEL_CODE64 << 16) |
			     (0x8eull << 40) | ((h >> 16) & 0xffff) << 48;
		idt[2 * v + 1] = h >> 32;
	}
	vcpu_get_sregs(vcpu, &sregs);
	sregs.idt.base = IDT_GPA;
	sregs.idt.limit = 32 * 16 - 1;
	vcpu_set_sregs(vcpu, &sregs);
}

/* The same stubs for 32-bit protected mode, one page above the 64-bit ones. */
asm(GUEST_ASM_BEGIN(guest_exc32, ".code32")
	".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	".balign 16\n"
	"pushl $\\v\n"
	"jmp guest_exc32_common\n"
	".endr\n"
	"guest_exc32_common:\n"
	"popl %eax\n"
	"outl %eax, $0xe0\n"
	"movl (%esp), %eax\n"
	"outl %eax, $0xe0\n"
	"1: hlt\n"
	"jmp 1b\n"
	GUEST_ASM_END(guest_exc32));
GUEST_CODE(guest_exc32);

void vcpu_setup_prot32_idt(struct kvm_vcpu *vcpu)
{
	uint64_t *idt = vm_gpa(vcpu->vm, IDT_GPA);
	struct kvm_sregs sregs;

	vm_load_guest(vcpu->vm, EXC_GPA + 0x1000, guest_exc32);
	for (int v = 0; v < 32; v++) {
		uint64_t h = EXC_GPA + 0x1000 + 16 * v;

		/* 32-bit interrupt gate (type 14), present, DPL 0. */
		idt[v] = (h & 0xffff) | ((uint64_t)SEL_CODE32 << 16) | (0x8eull << 40) |
			 ((h >> 16) & 0xffff) << 48;
	}
	vcpu_get_sregs(vcpu, &sregs);
	sregs.idt.base = IDT_GPA;
	sregs.idt.limit = 256 * 8 - 1;
	vcpu_set_sregs(vcpu, &sregs);
}
