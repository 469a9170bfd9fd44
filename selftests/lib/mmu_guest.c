// SPDX-License-Identifier: GPL-2.0
/*
 * The accessor guest of mmu_guest.h: one loop in long mode, one memory
 * operation per host request. RDI holds the vCPU's mailbox address.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "mmu_guest.h"

/*
 * Mailbox offsets: 0 op, 8 gpa, 16 len, 24 val, 32 result, 40 count,
 * 48 stop. MMU_TOUCH and MMU_VERIFY do one 8-byte access per 4 KiB page
 * (a page is what the EPT maps; touching every byte would only cost
 * Bochs time) and a CPUID every 512 pages so a long pass still exits
 * regularly once everything is mapped.
 */
asm(GUEST_ASM_BEGIN(mmu_guest, ".code64")
	"1: outb %al, $0x11\n"
	"movq 0(%rdi), %rax\n"
	"movq 8(%rdi), %rbx\n"
	"movq 16(%rdi), %rcx\n"
	"movq 24(%rdi), %rsi\n"
	"cmpq $0, %rax\n"
	"jne 2f\n"
	"movq (%rbx), %rdx\n"
	"movq %rdx, 32(%rdi)\n"
	"jmp 1b\n"
	"2: cmpq $1, %rax\n"
	"jne 3f\n"
	"movq %rsi, (%rbx)\n"
	"jmp 1b\n"
	"3: cmpq $2, %rax\n"
	"jne 4f\n"
	"hlt\n"
	"jmp 1b\n"
	"4: cmpq $3, %rax\n"
	"jne 6f\n"
	"5: xorl %eax, %eax\n"
	"cpuid\n"
	"incq 40(%rdi)\n"
	"cmpq $0, 48(%rdi)\n"
	"je 5b\n"
	"jmp 1b\n"
	"6: leaq (%rbx,%rcx), %r8\n"
	"xorq %r9, %r9\n"
	"xorq %r10, %r10\n"
	"cmpq $4, %rax\n"
	"jne 9f\n"
	/* MMU_TOUCH */
	"7: movq %rbx, %rdx\n"
	"xorq %rsi, %rdx\n"
	"movq %rdx, (%rbx)\n"
	"call 20f\n"
	"cmpq %r8, %rbx\n"
	"jb 7b\n"
	"jmp 1b\n"
	"9: cmpq $5, %rax\n"
	"jne 12f\n"
	/* MMU_VERIFY */
	"10: movq %rbx, %rdx\n"
	"xorq %rsi, %rdx\n"
	"cmpq %rdx, (%rbx)\n"
	"je 11f\n"
	"incq %r9\n"
	"11: call 20f\n"
	"cmpq %r8, %rbx\n"
	"jb 10b\n"
	"movq %r9, 32(%rdi)\n"
	"jmp 1b\n"
	"12: ud2\n"
	/* Next page; a CPUID every 512 pages (clobbers eax, ebx, ecx, edx). */
	"20: addq $4096, %rbx\n"
	"incq %r10\n"
	"testq $511, %r10\n"
	"jnz 21f\n"
	"pushq %rbx\n"
	"xorl %eax, %eax\n"
	"cpuid\n"
	"popq %rbx\n"
	"21: ret\n"
	GUEST_ASM_END(mmu_guest));
GUEST_CODE(mmu_guest);

/* A second PD at 0x6000 maps 1 GiB .. 2 GiB with 2 MiB pages. */
#define PD2_GPA		0x6000ul

struct kvm_vcpu *mmu_guest_create(struct kvm_vm *vm, int id)
{
	struct kvm_vcpu *vcpu = vcpu_create(vm, id);
	uint64_t *pdpt = vm_gpa(vm, PT_GPA + 0x1000);
	uint64_t *pd2 = vm_gpa(vm, PD2_GPA);
	struct kvm_regs regs;

	TEST_ASSERT(id < 16, "mailbox for vCPU %d", id);
	vm_load_guest(vm, CODE_GPA, mmu_guest);
	vcpu_setup_long(vcpu, CODE_GPA);
	for (int i = 0; i < 512; i++)
		pd2[i] = ((1ull << 30) + ((uint64_t)i << 21)) | 0x83;	/* P RW PS */
	pdpt[1] = PD2_GPA | 3;
	vcpu_setup_long_idt(vcpu);
	memset(vm_gpa(vm, MMU_MBOX_GPA(id)), 0, sizeof(struct mmu_mbox));
	vcpu_get_regs(vcpu, &regs);
	regs.rdi = MMU_MBOX_GPA(id);
	/* Each vCPU its own 1 KiB of stack below STACK_TOP. */
	regs.rsp = STACK_TOP - 0x400 * id;
	vcpu_set_regs(vcpu, &regs);
	vcpu_run_until_out(vcpu, PORT_MMU_READY);
	return vcpu;
}

void mmu_guest_restart(struct kvm_vcpu *vcpu)
{
	struct kvm_regs regs;

	vcpu_get_regs(vcpu, &regs);
	regs.rip = CODE_GPA;
	regs.rsp = STACK_TOP - 0x400 * vcpu->id;
	vcpu_set_regs(vcpu, &regs);
	vcpu_run_until_out(vcpu, PORT_MMU_READY);
}

struct mmu_mbox *mmu_guest_mbox(struct kvm_vcpu *vcpu)
{
	return vm_gpa(vcpu->vm, MMU_MBOX_GPA(vcpu->id));
}

bool mmu_guest_ready(struct kvm_vcpu *vcpu)
{
	return vcpu->run->exit_reason == KVM_EXIT_IO &&
	       vcpu->run->io.port == PORT_MMU_READY;
}

int mmu_guest_resume(struct kvm_vcpu *vcpu)
{
	int ret;

	do {
		ret = __vcpu_run(vcpu);
	} while (ret == -1 && errno == EINTR);
	if (ret)
		return -errno;
	TEST_ASSERT(!(vcpu->run->exit_reason == KVM_EXIT_IO &&
		      vcpu->run->io.port == PORT_EXC),
		    "guest exception vector %u", *(uint32_t *)io_data(vcpu));
	return vcpu->run->exit_reason;
}

int mmu_guest_op(struct kvm_vcpu *vcpu, enum mmu_op op, uint64_t gpa,
		 uint64_t len, uint64_t val)
{
	struct mmu_mbox *m = mmu_guest_mbox(vcpu);

	m->op = op;
	m->gpa = gpa;
	m->len = len;
	m->val = val;
	m->result = ~0ull;
	return mmu_guest_resume(vcpu);
}

void *mmu_alloc(uint64_t size, uint64_t align)
{
	uint8_t *p = mmap(NULL, size + align, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint64_t skip;

	TEST_ASSERT(p != MAP_FAILED, "mmap %llu bytes", (unsigned long long)size);
	skip = (align - (uintptr_t)p % align) % align;
	if (skip)
		munmap(p, skip);
	if (align - skip)
		munmap(p + skip + size, align - skip);
	/* 4 KiB host pages: what minikvm maps too, so both devices compare. */
	madvise(p + skip, size, MADV_NOHUGEPAGE);
	return p + skip;
}

int __mmu_set_slot(struct kvm_vm *vm, uint32_t slot, uint32_t flags,
		   uint64_t gpa, void *host, uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}

void mmu_set_slot(struct kvm_vm *vm, uint32_t slot, uint32_t flags,
		  uint64_t gpa, void *host, uint64_t size)
{
	int ret = __mmu_set_slot(vm, slot, flags, gpa, host, size);

	TEST_ASSERT(!ret, "KVM_SET_USER_MEMORY_REGION slot %u flags 0x%x gpa 0x%llx size 0x%llx: %d",
		    slot, flags, (unsigned long long)gpa, (unsigned long long)size, ret);
}
