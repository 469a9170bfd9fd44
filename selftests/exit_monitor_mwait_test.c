// SPDX-License-Identifier: GPL-2.0
/*
 * MONITOR and MWAIT (vmx/exit_insn.c) and the two quirks of
 * KVM_CAP_DISABLE_QUIRKS2 that concern them (core/vm_cap.c,
 * core/cpuid.c), the rules of Linux's monitor_mwait_test: both
 * instructions are NOPs unless KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS is off
 * and the guest's CPUID has no MWAIT (#UD then); with
 * KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT off, IA32_MISC_ENABLE's MWAIT bit
 * sets and clears CPUID.1:ECX.MWAIT.
 *
 * The long-mode guest runs MONITOR, OUTs to PORT_OK, runs MWAIT, OUTs
 * again; a fault is reported by guest_exc on PORT_EXC.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define PORT_OK			0x41
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MISC_ENABLE_MWAIT	(1ull << 18)
#define CPUID_1_ECX_MWAIT	(1u << 3)
#define QUIRK_MISC_NO_MWAIT	(1ull << 4)	/* KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT */
#define QUIRK_MWAIT_NO_UD	(1ull << 6)	/* KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS */

asm(GUEST_ASM_BEGIN(mwait_guest, ".code64")
	"movq $0x10000, %rax\n"
	"xorl %ecx, %ecx\n"
	"xorl %edx, %edx\n"
	"monitor\n"
	"outl %eax, $0x41\n"
	"xorl %eax, %eax\n"
	"xorl %ecx, %ecx\n"
	"mwait\n"
	"outl %eax, $0x41\n"
	"1: hlt\n"
	"jmp 1b\n"
	GUEST_ASM_END(mwait_guest));
GUEST_CODE(mwait_guest);

static int disable_quirks(struct kvm_vm *vm, uint64_t quirks)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_DISABLE_QUIRKS2, .args = { quirks } };

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

/* A vCPU with the supported CPUID, MWAIT taken out. */
static struct kvm_vcpu *mwait_vcpu(struct kvm_vm *vm)
{
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid(vm->dev_fd);
	struct kvm_cpuid_entry2 *e = cpuid_find(c, 1, 0);

	TEST_ASSERT(e, "no CPUID leaf 1");
	e->ecx &= ~CPUID_1_ECX_MWAIT;
	vcpu_set_cpuid(vcpu, c);
	free(c);
	vm_load_guest(vm, CODE_GPA, mwait_guest);
	vcpu_setup_long(vcpu, CODE_GPA);
	vcpu_setup_long_idt(vcpu);
	return vcpu;
}

/* 0 when both instructions completed, else the vector of the fault. */
static int run_guest(struct kvm_vcpu *vcpu)
{
	int i;

	for (i = 0; i < 2; i++) {
		vcpu_run(vcpu);
		TEST_ASSERT(vcpu->run->exit_reason == KVM_EXIT_IO, "exit %u",
			    vcpu->run->exit_reason);
		if (vcpu->run->io.port == PORT_EXC)
			return *(uint32_t *)io_data(vcpu);
		TEST_ASSERT(vcpu->run->io.port == PORT_OK, "port 0x%x", vcpu->run->io.port);
	}
	return 0;
}

static bool guest_cpuid_mwait(struct kvm_vcpu *vcpu)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	struct kvm_cpuid_entry2 *e;
	bool has;

	TEST_ASSERT(c, "calloc");
	c->nent = 256;
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_GET_CPUID2, c), "KVM_GET_CPUID2");
	e = cpuid_find(c, 1, 0);
	has = e && (e->ecx & CPUID_1_ECX_MWAIT);
	free(c);
	return has;
}

/* One VM per case: @quirks off, IA32_MISC_ENABLE.MWAIT as @misc_mwait. */
static int one_case(uint64_t quirks, bool misc_mwait, bool *cpuid_mwait)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu;
	int vector;

	TEST_ASSERT(!disable_quirks(vm, quirks), "KVM_CAP_DISABLE_QUIRKS2 %#llx",
		    (unsigned long long)quirks);
	vcpu = mwait_vcpu(vm);
	TEST_ASSERT(vcpu_set_msr(vcpu, MSR_IA32_MISC_ENABLE,
				 misc_mwait ? MISC_ENABLE_MWAIT : 0) == 1, "MISC_ENABLE");
	*cpuid_mwait = guest_cpuid_mwait(vcpu);
	vector = run_guest(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
	return vector;
}

TEST(quirks_reported_and_checked)
{
	int dev = test_open_dev();
	int quirks = ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_DISABLE_QUIRKS2);
	struct kvm_vm *vm;

	EXPECT_EQ(QUIRK_MISC_NO_MWAIT | QUIRK_MWAIT_NO_UD,
		  quirks & (QUIRK_MISC_NO_MWAIT | QUIRK_MWAIT_NO_UD));
	close(dev);
	vm = vm_create(GUEST_MEM_SIZE);
	EXPECT_EQ(-1, disable_quirks(vm, 1ull << 63));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, disable_quirks(vm, 0));
	vm_free(vm);
}

TEST(nop_by_default)
{
	bool cpuid;

	EXPECT_EQ(0, one_case(0, false, &cpuid));
	EXPECT_FALSE(cpuid);
	/* The MISC_ENABLE quirk on: the MSR bit leaves CPUID alone. */
	EXPECT_EQ(0, one_case(0, true, &cpuid));
	EXPECT_FALSE(cpuid);
}

TEST(ud_without_quirk_and_cpuid)
{
	bool cpuid;

	EXPECT_EQ(6, one_case(QUIRK_MWAIT_NO_UD, false, &cpuid));
	EXPECT_EQ(6, one_case(QUIRK_MWAIT_NO_UD | QUIRK_MISC_NO_MWAIT, false, &cpuid));
	EXPECT_FALSE(cpuid);
}

TEST(misc_enable_drives_cpuid)
{
	bool cpuid;

	EXPECT_EQ(0, one_case(QUIRK_MISC_NO_MWAIT, true, &cpuid));
	EXPECT_TRUE(cpuid);
	EXPECT_EQ(0, one_case(QUIRK_MWAIT_NO_UD | QUIRK_MISC_NO_MWAIT, true, &cpuid));
	EXPECT_TRUE(cpuid);
	EXPECT_EQ(0, one_case(QUIRK_MISC_NO_MWAIT, false, &cpuid));
	EXPECT_FALSE(cpuid);
}

MINIKVM_TEST_MAIN
