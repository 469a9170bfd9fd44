// SPDX-License-Identifier: GPL-2.0
/*
 * Machine-check and kvmclock MSRs (core/msr_mce.c) and KVM_X86_SETUP_MCE,
 * as KVM has them:
 *
 *  - what a VMM writes with KVM_SET_MSRS at every vCPU reset (the
 *    kvmclock MSRs at both numbers, MCG_STATUS, MCG_CTL, every MCi_CTL,
 *    MCi_STATUS, MCi_ADDR, MCi_MISC) is accepted in one call and reads
 *    back; MCG_CAP cannot be written;
 *  - the default MCG_CAP is 32 banks; KVM_X86_SETUP_MCE changes it and
 *    refuses 0 or more than 32 banks and unsupported bits, changing
 *    nothing; MCi_CTL takes only 0 or all ones;
 *  - the guest CPUID has MCE and MCA, and the guest reads MCG_CAP; it
 *    gets #GP for MCG_CTL without MCG_CTL_P and for a non-zero write to
 *    MCi_STATUS, which only the VMM may set.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define MSR_MCG_CAP		0x179
#define MSR_MCG_STATUS		0x17a
#define MSR_MCG_CTL		0x17b
#define MSR_MC0_CTL		0x400
#define MSR_KVM_WALL_CLOCK	0x11
#define MSR_KVM_SYSTEM_TIME	0x12
#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01
#define MCG_CTL_P		(1ull << 8)
#define MCG_EXT_P		(1ull << 9)
#define MCG_SER_P		(1ull << 24)
#define NR_BANKS		32
#define VMM_RESET_MSRS		(5 + 4 * NR_BANKS)

/* MCG_CAP, MCG_STATUS out; MC0_STATUS cleared; MCG_CTL (#GP). */
asm(GUEST_ASM_BEGIN(mce_guest, ".code64")
	"mov $0x179, %ecx\n"
	"rdmsr\n"
	"out %eax, $0x10\n"
	"mov $0x17a, %ecx\n"
	"rdmsr\n"
	"out %eax, $0x10\n"
	"mov $0x401, %ecx\n"
	"xor %eax, %eax\n"
	"xor %edx, %edx\n"
	"wrmsr\n"
	"out %eax, $0x10\n"
	"mov $0x17b, %ecx\n"
	"rdmsr\n"
	"out %eax, $0x10\n"
	"hlt\n"
	GUEST_ASM_END(mce_guest));
GUEST_CODE(mce_guest);

/* A non-zero MC0_STATUS from the guest: #GP. */
asm(GUEST_ASM_BEGIN(status_guest, ".code64")
	"mov $0x401, %ecx\n"
	"mov $1, %eax\n"
	"xor %edx, %edx\n"
	"wrmsr\n"
	"out %eax, $0x10\n"
	"hlt\n"
	GUEST_ASM_END(status_guest));
GUEST_CODE(status_guest);

struct msrs {
	struct kvm_msrs hdr;
	struct kvm_msr_entry e[VMM_RESET_MSRS];
};

static void vmm_reset_list(struct msrs *m, uint64_t value)
{
	static const uint32_t first[] = {
		MSR_KVM_WALL_CLOCK, MSR_KVM_SYSTEM_TIME, MSR_KVM_WALL_CLOCK_NEW,
		MSR_KVM_SYSTEM_TIME_NEW, MSR_MCG_STATUS,
	};
	unsigned int i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < ARRAY_SIZE(first); i++) {
		m->e[i].index = first[i];
		m->e[i].data = value;
	}
	for (i = 0; i < 4 * NR_BANKS; i++) {
		m->e[5 + i].index = MSR_MC0_CTL + i;
		/* MCi_CTL takes 0 or all ones; the rest any value. */
		m->e[5 + i].data = i % 4 ? value : 0;
	}
	m->hdr.nmsrs = VMM_RESET_MSRS;
}

TEST(vmm_reset_writes)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	unsigned int i, wrong;
	struct msrs m;
	uint64_t v;

	vmm_reset_list(&m, 0);
	EXPECT_EQ(VMM_RESET_MSRS, ioctl(vcpu->fd, KVM_SET_MSRS, &m));
	vmm_reset_list(&m, 0x1231);
	EXPECT_EQ(VMM_RESET_MSRS, ioctl(vcpu->fd, KVM_SET_MSRS, &m));
	vmm_reset_list(&m, 0);
	EXPECT_EQ(VMM_RESET_MSRS, ioctl(vcpu->fd, KVM_GET_MSRS, &m));
	for (i = 0, wrong = 0; i < VMM_RESET_MSRS; i++) {
		uint64_t want = i >= 5 && (i - 5) % 4 == 0 ? 0 : 0x1231;

		if (m.e[i].data != want) {
			ksft_print_msg("MSR %#x reads %#llx\n", m.e[i].index,
				       (unsigned long long)m.e[i].data);
			wrong++;
		}
	}
	EXPECT_EQ(0u, wrong);

	EXPECT_EQ(1, vcpu_get_msr(vcpu, MSR_MCG_CAP, &v));
	EXPECT_EQ(NR_BANKS, v);
	EXPECT_EQ(0, vcpu_set_msr(vcpu, MSR_MCG_CAP, NR_BANKS));
	/* No MCG_CTL_P: the VMM may write 0 only. */
	EXPECT_EQ(1, vcpu_set_msr(vcpu, MSR_MCG_CTL, 0));
	EXPECT_EQ(0, vcpu_set_msr(vcpu, MSR_MCG_CTL, ~0ull));
	/* MCi_CTL: 0 or all ones (bits 10 and 0 may be clear). */
	EXPECT_EQ(0, vcpu_set_msr(vcpu, MSR_MC0_CTL, 5));
	EXPECT_EQ(1, vcpu_set_msr(vcpu, MSR_MC0_CTL, ~0ull & ~(1ull << 10)));
	/* Beyond the 32 banks. */
	EXPECT_EQ(0, vcpu_get_msr(vcpu, MSR_MC0_CTL + 4 * NR_BANKS, &v));
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(setup_mce)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint64_t supported = 0, cap, v;

	EXPECT_EQ(NR_BANKS, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_MCE));
	ASSERT_EQ(0, ioctl(vm->dev_fd, KVM_X86_GET_MCE_CAP_SUPPORTED, &supported));
	EXPECT_EQ(MCG_CTL_P | MCG_SER_P, supported & (MCG_CTL_P | MCG_SER_P));
	EXPECT_EQ(0, supported & MCG_EXT_P);

	cap = 0;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap));
	EXPECT_EQ(EINVAL, errno);
	cap = NR_BANKS + 1;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap));
	EXPECT_EQ(EINVAL, errno);
	cap = MCG_EXT_P | 10;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_X86_SETUP_MCE, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(1, vcpu_get_msr(vcpu, MSR_MCG_CAP, &v));
	EXPECT_EQ(NR_BANKS, v);

	cap = MCG_CTL_P | 10;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap));
	EXPECT_EQ(1, vcpu_get_msr(vcpu, MSR_MCG_CAP, &v));
	EXPECT_EQ(cap, v);
	EXPECT_EQ(1, vcpu_get_msr(vcpu, MSR_MCG_CTL, &v));
	EXPECT_EQ(~0ull, v);
	EXPECT_EQ(1, vcpu_get_msr(vcpu, MSR_MC0_CTL + 4 * 9, &v));
	EXPECT_EQ(~0ull, v);
	EXPECT_EQ(0, vcpu_get_msr(vcpu, MSR_MC0_CTL + 4 * 10, &v));
	EXPECT_EQ(0, vcpu_set_msr(vcpu, MSR_MCG_CTL, 5));
	vcpu_free(vcpu);
	vm_free(vm);
}

static struct kvm_vcpu *guest_setup(struct kvm_vm *vm, int id, const char *start,
				    const char *end)
{
	struct kvm_vcpu *vcpu = vcpu_create(vm, id);
	struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(vm->dev_fd);
	struct kvm_cpuid_entry2 *e = cpuid_find(cpuid, 1, 0);

	/* Machine check exception and architecture: CPUID.1:EDX bits 7, 14. */
	TEST_ASSERT(e && (e->edx & (1u << 7)) && (e->edx & (1u << 14)), "no MCE/MCA in CPUID");
	vcpu_set_cpuid(vcpu, cpuid);
	free(cpuid);
	vm_load_code(vm, CODE_GPA, start, end);
	vcpu_setup_long(vcpu, CODE_GPA);
	vcpu_setup_long_idt(vcpu);
	return vcpu;
}

TEST(guest_msrs)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = guest_setup(vm, 0, mce_guest_start, mce_guest_end);

	EXPECT_EQ(1, vcpu_set_msr(vcpu, MSR_MCG_STATUS, 5));
	EXPECT_EQ(1, vcpu_set_msr(vcpu, MSR_MC0_CTL + 1, 0x77));
	EXPECT_EQ(NR_BANKS, vcpu_run_until_out(vcpu, PORT_RESULT));
	EXPECT_EQ(5u, vcpu_run_until_out(vcpu, PORT_RESULT));
	EXPECT_EQ(0u, vcpu_run_until_out(vcpu, PORT_RESULT));
	EXPECT_EQ(13u, vcpu_run_until_out(vcpu, PORT_EXC));
	vcpu_free(vcpu);

	vcpu = guest_setup(vm, 1, status_guest_start, status_guest_end);
	EXPECT_EQ(13u, vcpu_run_until_out(vcpu, PORT_EXC));
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
