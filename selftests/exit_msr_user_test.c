// SPDX-License-Identifier: GPL-2.0
/*
 * User-space MSR exits and MSR filters (core/msr_filter.c, vmx/exit_msr.c):
 * KVM_CAP_X86_USER_SPACE_MSR turns a guest RDMSR/WRMSR that would raise
 * #GP into KVM_EXIT_X86_RDMSR/WRMSR for the reasons userspace named
 * (UNKNOWN MSR, INVAL value, FILTER denied), completed at the next
 * KVM_RUN with run->msr.data and run->msr.error; KVM_X86_SET_MSR_FILTER
 * denies MSRs, passthrough ones (FS_BASE) included, and is validated as
 * KVM 6.1 validates it.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define MSR_FAKE	0x474f4f00u	/* no MSR of that number exists */
#define MSR_FS_BASE_NR	0xc0000100u
#define MSR_MTRR_DEF	0x2ffu
#define PORT_GP		0xe0

/*
 * Four accesses, each followed by an OUT of EAX to PORT_RESULT; a #GP
 * OUTs 0x0d to PORT_GP and resumes after the 2-byte RDMSR/WRMSR.
 */
asm(GUEST_ASM_BEGIN(msru_guest, ".code16")
	"movl $0x600d0001, %eax\n"
	"movl $0x474f4f00, %ecx\n"
	"rdmsr\n"				/* 1: unknown MSR, read */
	"outl %eax, $0x10\n"
	"movl $2, %eax\n"
	"xorl %edx, %edx\n"
	"wrmsr\n"				/* 2: unknown MSR, write 2 */
	"movl $0x22, %eax\n"
	"outl %eax, $0x10\n"
	"movl $0xc0000100, %ecx\n"
	"rdmsr\n"				/* 3: FS_BASE, passthrough */
	"outl %eax, $0x10\n"
	"movl $0x2ff, %ecx\n"
	"movl $0x100000, %eax\n"
	"xorl %edx, %edx\n"
	"wrmsr\n"				/* 4: MTRRdefType, reserved bit */
	"movl $0x33, %eax\n"
	"outl %eax, $0x10\n"
	"hlt\n"
	"msru_gp:\n"
	"pushw %ax\n"
	"movb $0x0d, %al\n"
	"outb %al, $0xe0\n"
	"popw %ax\n"
	"pushw %bp\n"
	"movw %sp, %bp\n"
	"addw $2, 2(%bp)\n"			/* past the 2-byte instruction */
	"popw %bp\n"
	"iret\n"
	GUEST_ASM_END(msru_guest));
GUEST_CODE(msru_guest);
extern const char msru_gp[];

FIXTURE(msru) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_run *run;
};

FIXTURE_SETUP(msru)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	uint16_t *ivt;

	self->vm = vm_create(GUEST_MEM_SIZE);
	self->vcpu = vcpu_create(self->vm, 0);
	self->run = self->vcpu->run;
	vm_load_guest(self->vm, CODE_GPA, msru_guest);
	vcpu_setup_real(self->vcpu, CODE_GPA);
	vcpu_get_sregs(self->vcpu, &sregs);
	vcpu_get_regs(self->vcpu, &regs);
	/* Real-mode IVT entry 13 (#GP): CS as set up, IP of msru_gp. */
	ivt = vm_gpa(self->vm, sregs.idt.base + 13 * 4);
	ivt[0] = (uint16_t)(CODE_GPA + (msru_gp - msru_guest_start) - sregs.cs.base);
	ivt[1] = sregs.cs.selector;
}

FIXTURE_TEARDOWN(msru)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

static int enable_user_msr(struct kvm_vm *vm, uint64_t reasons)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR, .args = { reasons } };

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap) ? -errno : 0;
}

static int set_filter(struct kvm_vm *vm, struct kvm_msr_filter *f)
{
	return ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, f) ? -errno : 0;
}

/* The next exit is the #GP handler's OUT. */
static void expect_gp(struct __test_metadata *_metadata, struct kvm_vcpu *vcpu)
{
	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_IO, vcpu->run->exit_reason);
	EXPECT_EQ(PORT_GP, vcpu->run->io.port);
}

static void expect_msr_exit(struct __test_metadata *_metadata, struct kvm_vcpu *vcpu,
			    uint32_t exit, uint32_t reason, uint32_t index)
{
	vcpu_run(vcpu);
	ASSERT_EQ(exit, vcpu->run->exit_reason);
	EXPECT_EQ(reason, vcpu->run->msr.reason);
	EXPECT_EQ(index, vcpu->run->msr.index);
	EXPECT_EQ(0, vcpu->run->msr.error);
}

TEST_F(msru, capabilities)
{
	EXPECT_EQ(1, ioctl(self->vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_MSR));
	EXPECT_EQ(1, ioctl(self->vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER));
}

TEST_F(msru, without_the_cap_gp)
{
	expect_gp(_metadata, self->vcpu);
	EXPECT_EQ(0x600d0001u, vcpu_run_until_out(self->vcpu, PORT_RESULT));
	expect_gp(_metadata, self->vcpu);
	EXPECT_EQ(0x22u, vcpu_run_until_out(self->vcpu, PORT_RESULT));
	vcpu_run_until_out(self->vcpu, PORT_RESULT);
	expect_gp(_metadata, self->vcpu);
	EXPECT_EQ(0x33u, vcpu_run_until_out(self->vcpu, PORT_RESULT));
	vcpu_run_until_hlt(self->vcpu);
}

TEST_F(msru, unknown_and_inval_exit)
{
	ASSERT_EQ(0, enable_user_msr(self->vm, KVM_MSR_EXIT_REASON_UNKNOWN |
				     KVM_MSR_EXIT_REASON_INVAL));
	expect_msr_exit(_metadata, self->vcpu, KVM_EXIT_X86_RDMSR, KVM_MSR_EXIT_REASON_UNKNOWN,
			MSR_FAKE);
	self->run->msr.data = 0x1234567887654321ull;
	EXPECT_EQ(0x87654321u, vcpu_run_until_out(self->vcpu, PORT_RESULT));

	expect_msr_exit(_metadata, self->vcpu, KVM_EXIT_X86_WRMSR, KVM_MSR_EXIT_REASON_UNKNOWN,
			MSR_FAKE);
	EXPECT_EQ(2ull, self->run->msr.data);
	EXPECT_EQ(0x22u, vcpu_run_until_out(self->vcpu, PORT_RESULT));

	/* FS_BASE is allowed and known: no MSR exit. */
	vcpu_run_until_out(self->vcpu, PORT_RESULT);

	expect_msr_exit(_metadata, self->vcpu, KVM_EXIT_X86_WRMSR, KVM_MSR_EXIT_REASON_INVAL,
			MSR_MTRR_DEF);
	EXPECT_EQ(0x100000ull, self->run->msr.data);
	/* Userspace's error: the guest takes #GP after all. */
	self->run->msr.error = 1;
	expect_gp(_metadata, self->vcpu);
	EXPECT_EQ(0x33u, vcpu_run_until_out(self->vcpu, PORT_RESULT));
}

TEST_F(msru, reasons_not_asked_for_gp)
{
	ASSERT_EQ(0, enable_user_msr(self->vm, KVM_MSR_EXIT_REASON_INVAL));
	expect_gp(_metadata, self->vcpu);
	EXPECT_EQ(0x600d0001u, vcpu_run_until_out(self->vcpu, PORT_RESULT));
	/* Turned off again: 0 is a valid mask. */
	ASSERT_EQ(0, enable_user_msr(self->vm, 0));
	expect_gp(_metadata, self->vcpu);
}

TEST_F(msru, filter_denies_passthrough_and_unknown)
{
	uint8_t deny = 0;
	struct kvm_msr_filter f = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges = {
			{ .flags = KVM_MSR_FILTER_WRITE, .base = MSR_FAKE, .nmsrs = 1,
			  .bitmap = &deny },
			{ .flags = KVM_MSR_FILTER_READ, .base = MSR_FS_BASE_NR, .nmsrs = 1,
			  .bitmap = &deny },
		},
	};

	ASSERT_EQ(0, enable_user_msr(self->vm, KVM_MSR_EXIT_REASON_FILTER));
	ASSERT_EQ(0, set_filter(self->vm, &f));
	/* The read of MSR_FAKE is not filtered, and UNKNOWN is not asked for. */
	expect_gp(_metadata, self->vcpu);
	EXPECT_EQ(0x600d0001u, vcpu_run_until_out(self->vcpu, PORT_RESULT));
	expect_msr_exit(_metadata, self->vcpu, KVM_EXIT_X86_WRMSR, KVM_MSR_EXIT_REASON_FILTER,
			MSR_FAKE);
	EXPECT_EQ(0x22u, vcpu_run_until_out(self->vcpu, PORT_RESULT));
	/* FS_BASE reads never exit by themselves: the filter made this one. */
	expect_msr_exit(_metadata, self->vcpu, KVM_EXIT_X86_RDMSR, KVM_MSR_EXIT_REASON_FILTER,
			MSR_FS_BASE_NR);
	self->run->msr.data = 0xfeed;
	EXPECT_EQ(0xfeedu, vcpu_run_until_out(self->vcpu, PORT_RESULT));
	expect_gp(_metadata, self->vcpu);
}

TEST_F(msru, filter_default_deny_and_removal)
{
	uint8_t allow = 1;
	struct kvm_msr_filter f = {
		.flags = KVM_MSR_FILTER_DEFAULT_DENY,
		.ranges = {
			{ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			  .base = MSR_FS_BASE_NR, .nmsrs = 1, .bitmap = &allow },
		},
	};
	struct kvm_msr_filter none = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };

	ASSERT_EQ(0, enable_user_msr(self->vm, KVM_MSR_EXIT_REASON_FILTER));
	ASSERT_EQ(0, set_filter(self->vm, &f));
	expect_msr_exit(_metadata, self->vcpu, KVM_EXIT_X86_RDMSR, KVM_MSR_EXIT_REASON_FILTER,
			MSR_FAKE);
	vcpu_run_until_out(self->vcpu, PORT_RESULT);
	/* No filter any more: the write is unknown, and that is a #GP. */
	ASSERT_EQ(0, set_filter(self->vm, &none));
	expect_gp(_metadata, self->vcpu);
	EXPECT_EQ(0x22u, vcpu_run_until_out(self->vcpu, PORT_RESULT));
	vcpu_run_until_out(self->vcpu, PORT_RESULT);
}

TEST_F(msru, errors)
{
	uint8_t bits[0x601] = {};
	struct kvm_msr_filter f = { .flags = KVM_MSR_FILTER_DEFAULT_DENY };

	EXPECT_EQ(-EINVAL, enable_user_msr(self->vm, 1u << 3));
	/* Default deny with nothing allowed. */
	EXPECT_EQ(-EINVAL, set_filter(self->vm, &f));
	f.flags = 1u << 1;
	EXPECT_EQ(-EINVAL, set_filter(self->vm, &f));
	f.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	f.ranges[0] = (struct kvm_msr_filter_range) { .flags = 0, .base = 0, .nmsrs = 8,
						      .bitmap = bits };
	EXPECT_EQ(-EINVAL, set_filter(self->vm, &f));
	f.ranges[0].flags = 1u << 2;
	EXPECT_EQ(-EINVAL, set_filter(self->vm, &f));
	f.ranges[0].flags = KVM_MSR_FILTER_READ;
	f.ranges[0].nmsrs = 0x600 * 8 + 64;
	EXPECT_EQ(-EINVAL, set_filter(self->vm, &f));
	f.ranges[0].nmsrs = 8;
	f.ranges[0].bitmap = NULL;
	EXPECT_EQ(-EFAULT, set_filter(self->vm, &f));
	/* A range of no MSRs is skipped, whatever its flags. */
	f.ranges[0] = (struct kvm_msr_filter_range) { .flags = 0xff, .nmsrs = 0 };
	EXPECT_EQ(0, set_filter(self->vm, &f));
	f.ranges[1] = (struct kvm_msr_filter_range) { .flags = KVM_MSR_FILTER_WRITE,
						      .nmsrs = 0x600 * 8, .bitmap = bits };
	EXPECT_EQ(0, set_filter(self->vm, &f));
}

MINIKVM_TEST_MAIN
