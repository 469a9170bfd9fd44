/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The selftest library: a VM, its guest memory and its vCPUs, in the shape
 * of KVM's tools/testing/selftests/kvm library but much smaller. Every
 * call goes to test_dev_path, so the same test binary drives /dev/minikvm
 * and /dev/kvm.
 *
 * Errors in setup are not what a test is about: a library call that fails
 * prints "# file:line: what: errno" and exits the test process with 1,
 * which the kselftest harness reports as a failed case. That keeps a
 * device that lacks an ioctl a fast, clean failure rather than a hang.
 *
 * Guest physical layout used by every helper (one memory slot at GPA 0):
 *
 *   0x1000  GDT                 0x8000  DATA_GPA: results a guest writes
 *   0x2000  IDT                 0xf000  top of the guest stack
 *   0x3000  page tables         0x10000 CODE_GPA: the guest code
 *   0x20000 exception stubs (long mode, guest_exc in lib/guest_modes.c)
 */
#ifndef MINIKVM_KVM_UTIL_H
#define MINIKVM_KVM_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <linux/kvm.h>

#define GUEST_MEM_SIZE	(2ul << 20)
#define GDT_GPA		0x1000ul
#define IDT_GPA		0x2000ul
#define PT_GPA		0x3000ul
#define DATA_GPA	0x8000ul
#define STACK_TOP	0xf000ul
#define CODE_GPA	0x10000ul
#define EXC_GPA		0x20000ul

/* Selectors of the flat GDT written by the protected/long mode helpers. */
#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32	0x18
#define SEL_TSS		0x20

/* Ports the guests use to talk to the host (no in-kernel device there). */
#define PORT_RESULT	0x10	/* a 4-byte result the host checks */
#define PORT_EXC	0xe0	/* guest_exc: vector, then error code */

/* Where KVM puts PIO data: KVM_PIO_PAGE_OFFSET (1) * PAGE_SIZE. */
#define KVM_PIO_DATA_OFFSET 4096

#define TEST_ASSERT(cond, fmt, ...) do {				\
	if (!(cond)) {							\
		int __e = errno;					\
		printf("# %s:%d: " fmt " (errno %d: %s)\n", __FILE__,	\
		       __LINE__, ##__VA_ARGS__, __e, strerror(__e));	\
		fflush(stdout);						\
		exit(1);						\
	}								\
} while (0)

struct kvm_vm {
	int dev_fd;
	int fd;
	uint8_t *mem;		/* host view of GPA 0 .. mem_size */
	uint64_t mem_size;
	int run_size;		/* KVM_GET_VCPU_MMAP_SIZE */
};

struct kvm_vcpu {
	struct kvm_vm *vm;
	int fd;
	int id;
	struct kvm_run *run;
};

/*
 * Guest code lives in the test file as a top-level asm() block between
 * <name>_start and <name>_end in section .guest_code; GUEST_CODE declares
 * the two labels and guest_code_size() measures the block.
 */
#define GUEST_CODE(name) extern const char name##_start[], name##_end[]
#define GUEST_ASM_BEGIN(name, mode)					\
	".pushsection .guest_code, \"ax\"\n.balign 16\n" mode "\n" #name "_start:\n"
#define GUEST_ASM_END(name)	#name "_end:\n.code64\n.popsection\n"
#define vm_load_guest(vm, gpa, name)					\
	vm_load_code(vm, gpa, name##_start, name##_end)
/* GPA of a label inside a block loaded at @gpa. */
#define guest_label_gpa(gpa, name, label) ((gpa) + ((label) - name##_start))

/* kvm_util.c */
struct kvm_vm *vm_create(uint64_t mem_size);
void vm_free(struct kvm_vm *vm);
void vm_set_memory(struct kvm_vm *vm, uint32_t slot, uint64_t gpa,
		   void *host, uint64_t size);
void *vm_gpa(struct kvm_vm *vm, uint64_t gpa);
void vm_load_code(struct kvm_vm *vm, uint64_t gpa, const char *start,
		  const char *end);
struct kvm_vcpu *vcpu_create(struct kvm_vm *vm, int id);
void vcpu_free(struct kvm_vcpu *vcpu);
int __vcpu_run(struct kvm_vcpu *vcpu);
void vcpu_run(struct kvm_vcpu *vcpu);
void vcpu_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs);
void vcpu_set_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs);
void vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_set_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs);
struct kvm_cpuid2 *kvm_get_supported_cpuid(int dev_fd);
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t fn,
				    uint32_t idx);
void vcpu_set_cpuid(struct kvm_vcpu *vcpu, struct kvm_cpuid2 *cpuid);
int vcpu_set_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t value);
int vcpu_get_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t *value);
const char *exit_reason_str(uint32_t reason);

/* The data bytes of the current KVM_EXIT_IO, in the run page. */
static inline void *io_data(struct kvm_vcpu *vcpu)
{
	return (uint8_t *)vcpu->run + vcpu->run->io.data_offset;
}

/* Run until the next exit and require it to be an OUT to @port; its data. */
uint32_t vcpu_run_until_out(struct kvm_vcpu *vcpu, uint16_t port);
/* Run and require KVM_EXIT_HLT. */
void vcpu_run_until_hlt(struct kvm_vcpu *vcpu);

/* guest_modes.c: put the vCPU in a CPU mode with RIP at @gpa. */
void vcpu_setup_real(struct kvm_vcpu *vcpu, uint64_t gpa);
void vcpu_setup_prot32(struct kvm_vcpu *vcpu, uint64_t gpa, bool paging);
void vcpu_setup_long(struct kvm_vcpu *vcpu, uint64_t gpa);
/* Long mode IDT whose 32 exception vectors OUT to PORT_EXC (guest_exc, lib/guest_modes.c). */
void vcpu_setup_long_idt(struct kvm_vcpu *vcpu);
void vcpu_setup_prot32_idt(struct kvm_vcpu *vcpu);

#endif /* MINIKVM_KVM_UTIL_H */
