// SPDX-License-Identifier: GPL-2.0
/*
 * mkvm --translate: watch GVA -> GPA -> HVA -> HPA on a live guest.
 *
 * Builds a small 64-bit guest whose page tables map a high kernel-style
 * address range (0xffff800000000000) onto guest-physical 1 MiB with 4 KiB
 * pages, and the low 4 MiB identity-mapped with 2 MiB pages. The guest
 * writes to a few of those pages (so the EPT maps them) and halts; then
 * every requested GVA is translated with MINIKVM_TRANSLATE_CHAIN (on a
 * device without it, KVM_TRANSLATE gives the first step only).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "uapi/minikvm.h"
#include "mkvm.h"

#define MEM_SIZE	(4ul << 20)
#define PML4		0x1000
#define PDPT_LOW	0x2000
#define PD_LOW		0x3000
#define PDPT_HIGH	0x4000
#define PD_HIGH		0x5000
#define PT_HIGH		0x6000
#define GDT		0x7000
#define CODE		0x8000
#define HIGH_GVA	0xffff800000000000ull
#define HIGH_GPA	0x100000
#define PTE_P		1
#define PTE_W		2
#define PTE_PS		0x80

/* Touch three high pages and one low 2 MiB page, then stop. */
asm(".pushsection .rodata\n"
	"translate_guest_start:\n"
	"	movabs $0xffff800000000000, %rax\n"
	"	movl $0x11, (%rax)\n"
	"	movl $0x22, 0x1000(%rax)\n"
	"	movl $0x33, 0x5000(%rax)\n"
	"	movl $0x44, 0x200000\n"
	"	hlt\n"
	"translate_guest_end:\n"
	".popsection\n");
extern const unsigned char translate_guest_start[], translate_guest_end[];

static void build_guest(uint8_t *mem)
{
	uint64_t *pml4 = (void *)(mem + PML4), *pdpt_lo = (void *)(mem + PDPT_LOW);
	uint64_t *pd_lo = (void *)(mem + PD_LOW), *pdpt_hi = (void *)(mem + PDPT_HIGH);
	uint64_t *pd_hi = (void *)(mem + PD_HIGH), *pt_hi = (void *)(mem + PT_HIGH);
	uint64_t *gdt = (void *)(mem + GDT);
	int i;

	pml4[0] = PDPT_LOW | PTE_P | PTE_W;
	pml4[256] = PDPT_HIGH | PTE_P | PTE_W;	/* 0xffff800000000000 */
	pdpt_lo[0] = PD_LOW | PTE_P | PTE_W;
	pd_lo[0] = 0x000000 | PTE_P | PTE_W | PTE_PS;
	pd_lo[1] = 0x200000 | PTE_P | PTE_W | PTE_PS;
	pdpt_hi[0] = PD_HIGH | PTE_P | PTE_W;
	pd_hi[0] = PT_HIGH | PTE_P | PTE_W;
	for (i = 0; i < 16; i++)
		pt_hi[i] = (HIGH_GPA + i * 0x1000) | PTE_P | PTE_W;
	gdt[1] = 0x00af9a000000ffffull;		/* 64-bit code */
	gdt[2] = 0x00cf92000000ffffull;		/* data */
	memcpy(mem + CODE, translate_guest_start, translate_guest_end - translate_guest_start);
}

static int setup_long_mode(int vcpu)
{
	struct kvm_segment code = { .base = 0, .limit = 0xffffffff, .selector = 8, .type = 11,
				    .present = 1, .s = 1, .l = 1, .g = 1 };
	struct kvm_segment data = { .base = 0, .limit = 0xffffffff, .selector = 16, .type = 3,
				    .present = 1, .s = 1, .db = 1, .g = 1 };
	struct kvm_regs regs = { .rip = CODE, .rsp = CODE, .rflags = 2 };
	struct kvm_sregs sregs;

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs))
		return -errno;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.gdt.base = GDT;
	sregs.gdt.limit = 3 * 8 - 1;
	sregs.cr3 = PML4;
	sregs.cr4 = 0x20;			/* PAE */
	sregs.cr0 = 0x80050033;			/* PG, WP, NE, ET, MP, PE */
	sregs.efer = 0x500;			/* LMA, LME */
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) || ioctl(vcpu, KVM_SET_REGS, &regs))
		return -errno;
	return 0;
}

static void print_chain(int vcpu, uint64_t gva)
{
	struct minikvm_translation_chain c = { .gva = gva };
	struct kvm_translation tr = { .linear_address = gva };

	printf("GVA %#018llx", (unsigned long long)gva);
	if (ioctl(vcpu, MINIKVM_TRANSLATE_CHAIN, &c)) {
		/* Not minikvm: the first link is all KVM can show. */
		if (ioctl(vcpu, KVM_TRANSLATE, &tr) == 0 && tr.valid)
			printf(" -> GPA %#llx (KVM_TRANSLATE)\n", (unsigned long long)tr.physical_address);
		else
			printf(" -> not mapped by the guest\n");
		return;
	}
	if (!(c.flags & MINIKVM_CHAIN_GPA)) {
		printf(" -> not mapped by the guest\n");
		return;
	}
	printf(" -> GPA %#llx [guest %s page, %s%s]", (unsigned long long)c.gpa,
	       c.guest_level == 3 ? "1G" : c.guest_level == 2 ? "2M" : c.guest_level ? "4K" : "no",
	       c.guest_writable ? "rw" : "ro", c.guest_user ? ",user" : "");
	if (c.flags & MINIKVM_CHAIN_HVA)
		printf(" -> HVA %#llx [slot %u]", (unsigned long long)c.hva, c.slot);
	else
		printf(" -> no slot (MMIO)");
	if (c.flags & MINIKVM_CHAIN_HPA)
		printf(" -> HPA %#llx", (unsigned long long)c.hpa);
	if (c.flags & MINIKVM_CHAIN_EPT)
		printf(" [EPT %s leaf %c%c%c]", c.ept_level == 2 ? "2M" : "4K",
		       c.ept_perm & 1 ? 'r' : '-', c.ept_perm & 2 ? 'w' : '-', c.ept_perm & 4 ? 'x' : '-');
	else
		printf(" [not in the EPT yet]");
	printf("\n");
}

/**
 * mkvm_translate() - run the demo guest, then translate @n addresses
 * @dev: the device path
 * @gvas: guest-virtual addresses; none means a built-in list
 * @n: how many
 *
 * Return: 0, or 1 after printing why.
 */
int mkvm_translate(const char *dev, const uint64_t *gvas, int n)
{
	static const uint64_t defaults[] = {
		HIGH_GVA, HIGH_GVA + 0x1004, HIGH_GVA + 0x2000, HIGH_GVA + 0x5008,
		0x200000, CODE, 0x7fff000000000000ull,
	};
	struct kvm_userspace_memory_region region = { .memory_size = MEM_SIZE };
	int kvm, vm, vcpu, i, size;
	struct kvm_run *run;
	uint8_t *mem;

	kvm = open(dev, O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		fprintf(stderr, "mkvm: open %s: %s\n", dev, strerror(errno));
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm < 0 || mem == MAP_FAILED) {
		fprintf(stderr, "mkvm: cannot create the VM: %s\n", strerror(errno));
		return 1;
	}
	build_guest(mem);
	region.userspace_addr = (unsigned long)mem;
	vcpu = ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) ? -1 : ioctl(vm, KVM_CREATE_VCPU, 0);
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = vcpu < 0 ? MAP_FAILED : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED || setup_long_mode(vcpu)) {
		fprintf(stderr, "mkvm: cannot set up the vCPU: %s\n", strerror(errno));
		return 1;
	}
	if (ioctl(vcpu, KVM_RUN, 0) || run->exit_reason != KVM_EXIT_HLT) {
		fprintf(stderr, "mkvm: guest stopped with exit reason %u (%s)\n",
			run->exit_reason, strerror(errno));
		return 1;
	}
	printf("guest halted; VMM memory at HVA %p; the chain for each address:\n", mem);
	if (!n) {
		gvas = defaults;
		n = ARRAY_SIZE(defaults);
	}
	for (i = 0; i < n; i++)
		print_chain(vcpu, gvas[i]);
	close(vcpu);
	close(vm);
	close(kvm);
	return 0;
}
