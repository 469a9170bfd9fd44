// SPDX-License-Identifier: GPL-2.0
/*
 * MSR exits (vmx/exit_msr.c) and the MSR ioctls: a value set with
 * KVM_SET_MSRS is what the guest's RDMSR returns, a guest WRMSR is what
 * KVM_GET_MSRS returns, for the MSRs a 64-bit guest kernel programs
 * (SYSENTER, SYSCALL, segment bases, EFER). An MSR KVM does not know is a
 * #GP in the guest (KVM's default, ignore_msrs=0) and a count of 0 from
 * the ioctls, which return how many entries they processed.
 *
 * The guest is a long-mode server: it INs an operation and an MSR index
 * from port 0x40, does RDMSR/WRMSR and OUTs the result to 0x41; its IDT
 * (guest_exc in lib/guest_modes.c) reports an exception as OUTs of
 * vector and error code to PORT_EXC.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define PORT_OP		0x40
#define PORT_VAL	0x41
#define OP_RDMSR	1
#define OP_WRMSR	2

#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_TSC_AUX		0xc0000103
#define MSR_UNKNOWN		0x40001234	/* no KVM or Hyper-V range */

asm(GUEST_ASM_BEGIN(msr_guest, ".code64")
	"1: movw $0x40, %dx\n"
	"inl %dx, %eax\n"
	"movl %eax, %esi\n"
	"inl %dx, %eax\n"
	"movl %eax, %ecx\n"
	"cmpl $1, %esi\n"
	"jne 2f\n"
	"rdmsr\n"
	"movl %edx, %edi\n"	/* DX is about to hold the port */
	"movw $0x41, %dx\n"
	"outl %eax, %dx\n"
	"movl %edi, %eax\n"
	"outl %eax, %dx\n"
	"jmp 1b\n"
	"2: inl %dx, %eax\n"
	"movl %eax, %edi\n"
	"inl %dx, %eax\n"
	"movl %eax, %edx\n"
	"movl %edi, %eax\n"
	"wrmsr\n"
	"movw $0x41, %dx\n"
	"xorl %eax, %eax\n"
	"outl %eax, %dx\n"
	"jmp 1b\n"
	GUEST_ASM_END(msr_guest));
GUEST_CODE(msr_guest);

static const struct {
	uint32_t index;
	uint64_t value;
} msrs[] = {
	{ MSR_SYSENTER_CS, 0x10 },
	{ MSR_SYSENTER_ESP, 0xffff888812345000ull },
	{ MSR_SYSENTER_EIP, 0xffffffff81234560ull },
	{ MSR_STAR, 0x0023001000000000ull },
	{ MSR_LSTAR, 0xffffffff81800000ull },
	{ MSR_CSTAR, 0xffffffff81800100ull },
	{ MSR_SFMASK, 0x47700 },
	{ MSR_FS_BASE, 0x00007f0012340000ull },
	{ MSR_GS_BASE, 0xffff888800001000ull },
	{ MSR_KERNEL_GS_BASE, 0x00007f1234567000ull },
};
#define NR_MSRS ARRAY_SIZE(msrs)

FIXTURE(msr) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_cpuid2 *cpuid;
};

FIXTURE_SETUP(msr)
{
	self->vm = vm_create(GUEST_MEM_SIZE);
	self->vcpu = vcpu_create(self->vm, 0);
	self->cpuid = kvm_get_supported_cpuid(self->vm->dev_fd);
	vcpu_set_cpuid(self->vcpu, self->cpuid);
	vm_load_guest(self->vm, CODE_GPA, msr_guest);
	vcpu_setup_long(self->vcpu, CODE_GPA);
	vcpu_setup_long_idt(self->vcpu);
}

FIXTURE_TEARDOWN(msr)
{
	free(self->cpuid);
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

/* Feed one IN from PORT_OP; returns the exception vector if one came. */
static int feed(struct kvm_vcpu *vcpu, uint32_t val)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run(vcpu);
	if (run->exit_reason == KVM_EXIT_IO && run->io.port == PORT_EXC)
		return *(uint32_t *)io_data(vcpu);
	TEST_ASSERT(run->exit_reason == KVM_EXIT_IO &&
		    run->io.direction == KVM_EXIT_IO_IN && run->io.port == PORT_OP,
		    "expected IN from 0x40, exit %s port 0x%x",
		    exit_reason_str(run->exit_reason), run->io.port);
	*(uint32_t *)io_data(vcpu) = val;
	return -1;
}

/* Next OUT, to PORT_VAL or (an exception) PORT_EXC; *vector set for the latter. */
static uint32_t result(struct kvm_vcpu *vcpu, int *vector)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run(vcpu);
	TEST_ASSERT(run->exit_reason == KVM_EXIT_IO &&
		    run->io.direction == KVM_EXIT_IO_OUT &&
		    (run->io.port == PORT_VAL || run->io.port == PORT_EXC),
		    "expected OUT, exit %s port 0x%x",
		    exit_reason_str(run->exit_reason), run->io.port);
	if (run->io.port == PORT_EXC)
		*vector = *(uint32_t *)io_data(vcpu);
	return *(uint32_t *)io_data(vcpu);
}

/* Guest RDMSR: 0 and *val, or the exception vector it raised. */
static int guest_rdmsr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t *val)
{
	int vector = 0;
	uint32_t lo, hi;

	feed(vcpu, OP_RDMSR);
	feed(vcpu, index);
	lo = result(vcpu, &vector);
	if (vector)
		return vector;
	hi = result(vcpu, &vector);
	*val = lo | (uint64_t)hi << 32;
	return 0;
}

static int guest_wrmsr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t val)
{
	int vector = 0;

	feed(vcpu, OP_WRMSR);
	feed(vcpu, index);
	feed(vcpu, (uint32_t)val);
	feed(vcpu, val >> 32);
	result(vcpu, &vector);
	return vector;
}

TEST_F(msr, host_set_get_round_trip)
{
	uint64_t v;

	for (unsigned int i = 0; i < NR_MSRS; i++) {
		EXPECT_EQ(1, vcpu_set_msr(self->vcpu, msrs[i].index, msrs[i].value));
		EXPECT_EQ(1, vcpu_get_msr(self->vcpu, msrs[i].index, &v));
		EXPECT_EQ(msrs[i].value, v) TH_LOG("MSR 0x%x", msrs[i].index);
	}
}

TEST_F(msr, guest_reads_host_values_host_reads_guest_writes)
{
	uint64_t v;

	for (unsigned int i = 0; i < NR_MSRS; i++) {
		uint32_t idx = msrs[i].index;
		/* Flip a bit that keeps addresses canonical and CS valid. */
		uint64_t nv = msrs[i].value ^ 0x8;

		ASSERT_EQ(1, vcpu_set_msr(self->vcpu, idx, msrs[i].value));
		ASSERT_EQ(0, guest_rdmsr(self->vcpu, idx, &v)) TH_LOG("MSR 0x%x", idx);
		EXPECT_EQ(msrs[i].value, v) TH_LOG("MSR 0x%x", idx);
		ASSERT_EQ(0, guest_wrmsr(self->vcpu, idx, nv)) TH_LOG("MSR 0x%x", idx);
		EXPECT_EQ(1, vcpu_get_msr(self->vcpu, idx, &v));
		EXPECT_EQ(nv, v) TH_LOG("MSR 0x%x", idx);
	}
}

TEST_F(msr, efer_in_long_mode)
{
	uint64_t v;

	ASSERT_EQ(0, guest_rdmsr(self->vcpu, MSR_EFER, &v));
	EXPECT_EQ(0x500u, v);		/* LME | LMA */
	ASSERT_EQ(1, vcpu_get_msr(self->vcpu, MSR_EFER, &v));
	EXPECT_EQ(0x500u, v);
	/* The guest turns on SYSCALL (SCE); LMA stays, the host sees it. */
	ASSERT_EQ(0, guest_wrmsr(self->vcpu, MSR_EFER, 0x501));
	ASSERT_EQ(1, vcpu_get_msr(self->vcpu, MSR_EFER, &v));
	EXPECT_EQ(0x501u, v);
}

TEST_F(msr, unknown_msr_is_gp)
{
	uint64_t v = 0;
	uint32_t err;
	int vector = 0;

	EXPECT_EQ(13, guest_rdmsr(self->vcpu, MSR_UNKNOWN, &v));
	/* #GP pushes an error code of 0. */
	err = result(self->vcpu, &vector);
	EXPECT_EQ(0u, err);
	EXPECT_EQ(0, vcpu_get_msr(self->vcpu, MSR_UNKNOWN, &v));
	EXPECT_EQ(0, vcpu_set_msr(self->vcpu, MSR_UNKNOWN, 1));
}

TEST_F(msr, unknown_msr_write_is_gp)
{
	EXPECT_EQ(13, guest_wrmsr(self->vcpu, MSR_UNKNOWN, 1));
}

/*
 * Reserved bits give the guest #GP (one case per test: the guest's #GP
 * stub halts for good): a memory type 2 and bit 8 in an MTRR base, bit 0
 * of an MTRR mask, bit 32 of the 32-bit SYSCALL flag mask. Valid values
 * of the same MSRs are taken.
 */
TEST_F(msr, mtrr_base_type_2_is_gp)
{
	EXPECT_EQ(13, guest_wrmsr(self->vcpu, 0x200, 0x80002));
}

TEST_F(msr, mtrr_base_bit_8_is_gp)
{
	EXPECT_EQ(13, guest_wrmsr(self->vcpu, 0x200, 0x80106));
}

TEST_F(msr, mtrr_mask_bit_0_is_gp)
{
	EXPECT_EQ(13, guest_wrmsr(self->vcpu, 0x201, 0x80000801));
}

/*
 * KVM hands IA32_FMASK writes to the CPU (wrmsr_safe): on hardware bits
 * 63:32 give #GP, but Bochs's emulated MSR takes them, so KVM in the test
 * VM does too. minikvm checks the bits itself.
 */
TEST_F(msr, sfmask_bit_32_is_gp)
{
	if (!test_dev_is_minikvm())
		SKIP(return, "KVM passes IA32_FMASK to the CPU; Bochs's takes bits 63:32");
	EXPECT_EQ(13, guest_wrmsr(self->vcpu, 0xc0000084, 1ull << 32));
}

TEST_F(msr, mtrr_and_sfmask_valid_values)
{
	EXPECT_EQ(0, guest_wrmsr(self->vcpu, 0x200, 0x80006));	/* WB at 512 KiB */
	EXPECT_EQ(0, guest_wrmsr(self->vcpu, 0x201, 0x80000800));	/* valid, 2 GiB mask */
	EXPECT_EQ(0, guest_wrmsr(self->vcpu, 0xc0000084, 0x47700));
}

TEST_F(msr, tsc_aux)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(self->cpuid, 0x80000001, 0);
	uint64_t v;

	if (!e || !(e->edx & (1u << 27)))
		SKIP(return, "no RDTSCP in KVM_GET_SUPPORTED_CPUID");
	ASSERT_EQ(1, vcpu_set_msr(self->vcpu, MSR_TSC_AUX, 0x42));
	ASSERT_EQ(0, guest_rdmsr(self->vcpu, MSR_TSC_AUX, &v));
	EXPECT_EQ(0x42u, v);
	ASSERT_EQ(0, guest_wrmsr(self->vcpu, MSR_TSC_AUX, 0x1234));
	ASSERT_EQ(1, vcpu_get_msr(self->vcpu, MSR_TSC_AUX, &v));
	EXPECT_EQ(0x1234u, v);
	/* Bits 63:32 are reserved: KVM refuses the host write. */
	EXPECT_EQ(0, vcpu_set_msr(self->vcpu, MSR_TSC_AUX, 1ull << 32));
}

MINIKVM_TEST_MAIN
