// SPDX-License-Identifier: GPL-2.0
/*
 * I/O instruction exits handed to userspace (vmx/exit_io.c): IN and OUT of
 * each width, and the string forms INS/OUTS with and without REP, in both
 * directions. The layout is KVM's (arch/x86/kvm/x86.c, emulate.c):
 *
 * - every KVM_EXIT_IO carries its data in the run page at io.data_offset,
 *   which KVM sets to one page (KVM_PIO_PAGE_OFFSET * PAGE_SIZE);
 * - for IN the host writes io.count * io.size bytes there before the next
 *   KVM_RUN, which completes the instruction;
 * - REP OUTS exits once per element (count 1), in execution order;
 * - REP INS reads ahead: one exit whose count covers all elements up to
 *   the page boundary (and 1024 bytes), the host fills them in order, and
 *   with DF=1 element i lands at RDI - i * size.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define PORT_W	0x80	/* immediate-port OUTs */
#define PORT_IN	0x1234
#define PORT_OS	0x1235	/* OUTS */
#define PORT_IS	0x1236	/* INS */

asm(GUEST_ASM_BEGIN(io_guest, ".code64")
	"movb $0xab, %al\n"
	"outb %al, $0x80\n"
	"movw $0xabcd, %ax\n"
	"outw %ax, $0x80\n"
	"movl $0xdeadbeef, %eax\n"
	"outl %eax, $0x80\n"
	"movw $0x1234, %dx\n"
	"movl $0xffffffff, %eax\n"
	"inb %dx, %al\n"
	"movl %eax, 0x8000\n"	/* IN AL keeps the rest of EAX */
	"inw %dx, %ax\n"
	"movw %ax, 0x8004\n"
	"inl %dx, %eax\n"
	"movl %eax, 0x8008\n"
	/* REP OUTSB forward, 16 bytes from 0x8100. */
	"cld\n"
	"movl $0x8100, %esi\n"
	"movl $16, %ecx\n"
	"movw $0x1235, %dx\n"
	"rep outsb\n"
	/* REP OUTSW backward: 8 words ending at 0x810e. */
	"std\n"
	"movl $0x810e, %esi\n"
	"movl $8, %ecx\n"
	"rep outsw\n"
	"cld\n"
	/* REP INSB forward, 16 bytes to 0x8200. */
	"movl $0x8200, %edi\n"
	"movl $16, %ecx\n"
	"movw $0x1236, %dx\n"
	"rep insb\n"
	/* REP INSL backward: 4 dwords from 0x830c down. */
	"std\n"
	"movl $0x830c, %edi\n"
	"movl $4, %ecx\n"
	"rep insl\n"
	"cld\n"
	/* A single OUTSL, no REP. */
	"movw $0x1235, %dx\n"
	"movl $0x8100, %esi\n"
	"outsl\n"
	"hlt\n"
	GUEST_ASM_END(io_guest));
GUEST_CODE(io_guest);

FIXTURE(io) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

FIXTURE_SETUP(io)
{
	self->vm = vm_create(GUEST_MEM_SIZE);
	self->vcpu = vcpu_create(self->vm, 0);
	vm_load_guest(self->vm, CODE_GPA, io_guest);
	vcpu_setup_long(self->vcpu, CODE_GPA);
	for (int i = 0; i < 16; i++)
		*(uint8_t *)vm_gpa(self->vm, DATA_GPA + 0x100 + i) = 0x40 + i;
}

FIXTURE_TEARDOWN(io)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

/* Run to the next exit and check it is I/O of this shape; its data. */
static uint8_t *next_io(struct __test_metadata *_metadata,
			struct kvm_vcpu *vcpu, uint8_t dir, uint16_t port,
			uint8_t size, uint32_t count)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run(vcpu);
	EXPECT_EQ(KVM_EXIT_IO, run->exit_reason) {
		TH_LOG("exit %s", exit_reason_str(run->exit_reason));
		return NULL;
	}
	EXPECT_EQ(dir, run->io.direction);
	EXPECT_EQ(port, run->io.port);
	EXPECT_EQ(size, run->io.size);
	EXPECT_EQ(count, run->io.count);
	EXPECT_EQ(KVM_PIO_DATA_OFFSET, run->io.data_offset);
	if (run->io.direction != dir || run->io.port != port ||
	    run->io.size != size || run->io.count != count)
		return NULL;
	return io_data(vcpu);
}

TEST_F(io, all_forms)
{
	struct kvm_vm *vm = self->vm;
	struct kvm_vcpu *v = self->vcpu;
	struct kvm_regs regs;
	uint8_t *d;
	int i;

	/* OUT of each width: the value, little-endian, at data_offset. */
	d = next_io(_metadata, v, KVM_EXIT_IO_OUT, PORT_W, 1, 1);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(0xab, *d);
	d = next_io(_metadata, v, KVM_EXIT_IO_OUT, PORT_W, 2, 1);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(0xabcd, *(uint16_t *)d);
	d = next_io(_metadata, v, KVM_EXIT_IO_OUT, PORT_W, 4, 1);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(0xdeadbeef, *(uint32_t *)d);

	/* IN of each width: the host's bytes become the register. */
	d = next_io(_metadata, v, KVM_EXIT_IO_IN, PORT_IN, 1, 1);
	ASSERT_NE(NULL, d);
	*d = 0x5a;
	d = next_io(_metadata, v, KVM_EXIT_IO_IN, PORT_IN, 2, 1);
	ASSERT_NE(NULL, d);
	*(uint16_t *)d = 0x1122;
	d = next_io(_metadata, v, KVM_EXIT_IO_IN, PORT_IN, 4, 1);
	ASSERT_NE(NULL, d);
	*(uint32_t *)d = 0x33445566;

	/* REP OUTSB: one exit per byte, in memory order. */
	for (i = 0; i < 16; i++) {
		d = next_io(_metadata, v, KVM_EXIT_IO_OUT, PORT_OS, 1, 1);
		ASSERT_NE(NULL, d);
		EXPECT_EQ(0x40 + i, *d);
	}
	/* The IN results reached the guest registers (guest stored them). */
	EXPECT_EQ(0xffffff5a, *(uint32_t *)vm_gpa(vm, DATA_GPA));
	EXPECT_EQ(0x1122, *(uint16_t *)vm_gpa(vm, DATA_GPA + 4));
	EXPECT_EQ(0x33445566, *(uint32_t *)vm_gpa(vm, DATA_GPA + 8));

	/* REP OUTSW with DF=1: words from 0x810e downwards. */
	for (i = 0; i < 8; i++) {
		d = next_io(_metadata, v, KVM_EXIT_IO_OUT, PORT_OS, 2, 1);
		ASSERT_NE(NULL, d);
		EXPECT_EQ(*(uint16_t *)vm_gpa(vm, DATA_GPA + 0x10e - 2 * i),
			  *(uint16_t *)d);
	}

	/* REP INSB: a single exit for all 16 bytes (KVM reads ahead). */
	d = next_io(_metadata, v, KVM_EXIT_IO_IN, PORT_IS, 1, 16);
	ASSERT_NE(NULL, d);
	for (i = 0; i < 16; i++)
		d[i] = 0xc0 + i;
	/* REP INSL with DF=1: one exit for 4 dwords, element i at RDI - 4i. */
	d = next_io(_metadata, v, KVM_EXIT_IO_IN, PORT_IS, 4, 4);
	ASSERT_NE(NULL, d);
	for (i = 0; i < 4; i++)
		((uint32_t *)d)[i] = 0xd0d0d000 + i;

	/* OUTSL without REP: one dword, and the guest's INS results are in. */
	d = next_io(_metadata, v, KVM_EXIT_IO_OUT, PORT_OS, 4, 1);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(0x43424140u, *(uint32_t *)d);
	for (i = 0; i < 16; i++)
		EXPECT_EQ(0xc0 + i, *(uint8_t *)vm_gpa(vm, DATA_GPA + 0x200 + i));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0xd0d0d000u + i,
			  *(uint32_t *)vm_gpa(vm, DATA_GPA + 0x30c - 4 * i));

	vcpu_run_until_hlt(v);
	vcpu_get_regs(v, &regs);
	EXPECT_EQ(0u, regs.rcx);		/* REP count used up */
	EXPECT_EQ(DATA_GPA + 0x104, regs.rsi);	/* OUTSL advanced RSI */
	EXPECT_EQ(DATA_GPA + 0x2fc, regs.rdi);	/* INSL, DF=1: 0x830c - 16 */
	EXPECT_EQ(0u, regs.rflags & (1u << 10));	/* DF clear again */
}

/* What the guest sees when the host leaves the IN data alone: zeroes. */
TEST_F(io, in_without_host_data_reads_zero)
{
	struct kvm_run *run = self->vcpu->run;
	int i;

	for (i = 0; i < 3; i++)
		vcpu_run(self->vcpu);
	vcpu_run(self->vcpu);
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason);
	ASSERT_EQ(KVM_EXIT_IO_IN, run->io.direction);
	vcpu_run(self->vcpu);	/* the IN AL completes with KVM's zeroed buffer */
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason);
	EXPECT_EQ(0xffffff00u, *(uint32_t *)vm_gpa(self->vm, DATA_GPA));
}

MINIKVM_TEST_MAIN
