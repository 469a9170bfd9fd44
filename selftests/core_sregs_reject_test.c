// SPDX-License-Identifier: GPL-2.0
/*
 * A rejected KVM_SET_SREGS changes nothing (KVM checks everything in
 * kvm_is_valid_sregs() and kvm_set_apic_base() before it writes): each
 * call below carries new CR3, CR2, CR8, EFER.SCE and a new APIC base next
 * to one value the vCPU may not take, gets EINVAL, and KVM_GET_SREGS then
 * still reads the old state. Also: KVM_SET_MSRS does not set EFER.LMA
 * behind CR0's back (KVM keeps LMA as the CPU has it), so a real-mode
 * vCPU still runs afterwards.
 *
 * The vCPU gets the supported CPUID less PCID first: KVM checks CR4 bits
 * against the vCPU's CPUID only once one is set. (CR4.VMXE is not among
 * the broken values: KVM takes it for nested VMX, minikvm refuses it.)
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define EFER_SCE	0x1ull
#define EFER_LME	0x100ull
#define EFER_LMA	0x400ull
#define MSR_EFER	0xc0000080u

asm(GUEST_ASM_BEGIN(rej_guest, ".code16")
	"hlt\n"
	GUEST_ASM_END(rej_guest));
GUEST_CODE(rej_guest);

/* One way to break a good state. */
struct breaker {
	const char *what;
	void (*apply)(struct kvm_sregs *s);
};

static void pg_without_pe(struct kvm_sregs *s) { s->cr0 = (s->cr0 | 0x80000000u) & ~1ull; }
static void cr4_pcide(struct kvm_sregs *s) { s->cr4 |= 1ull << 17; }
static void apic_reserved(struct kvm_sregs *s) { s->apic_base |= 1; }
static void x2apic_without_xapic(struct kvm_sregs *s) { s->apic_base = (s->apic_base & ~0x800ull) | 0x400; }
static void lma_without_paging(struct kvm_sregs *s) { s->efer |= EFER_LMA; }

static const struct breaker breakers[] = {
	{ "CR0.PG without PE", pg_without_pe },
	{ "CR4.PCIDE without PCID in CPUID", cr4_pcide },
	{ "APIC base reserved bit 0", apic_reserved },
	{ "APIC base x2APIC without xAPIC enable", x2apic_without_xapic },
	{ "EFER.LMA without paging", lma_without_paging },
};

TEST(rejected_set_sregs_changes_nothing)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(vm->dev_fd);
	struct kvm_cpuid_entry2 *leaf1 = cpuid_find(cpuid, 1, 0);
	struct kvm_sregs before, bad, after;
	size_t i;

	ASSERT_NE(NULL, leaf1);
	leaf1->ecx &= ~(1u << 17);	/* PCID */
	vcpu_set_cpuid(vcpu, cpuid);
	free(cpuid);
	vm_load_guest(vm, CODE_GPA, rej_guest);
	vcpu_setup_real(vcpu, CODE_GPA);
	vcpu_get_sregs(vcpu, &before);
	for (i = 0; i < ARRAY_SIZE(breakers); i++) {
		bad = before;
		bad.cr3 = 0x5000;
		bad.cr2 = 0x1234;
		bad.cr8 = 3;
		bad.efer |= EFER_SCE;
		bad.apic_base ^= 0x1000;	/* another page */
		breakers[i].apply(&bad);
		EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_SREGS, &bad)) TH_LOG("%s", breakers[i].what);
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s", breakers[i].what);
		vcpu_get_sregs(vcpu, &after);
		EXPECT_EQ(before.cr3, after.cr3) TH_LOG("%s", breakers[i].what);
		EXPECT_EQ(before.cr2, after.cr2) TH_LOG("%s", breakers[i].what);
		EXPECT_EQ(before.cr8, after.cr8) TH_LOG("%s", breakers[i].what);
		EXPECT_EQ(before.efer, after.efer) TH_LOG("%s", breakers[i].what);
		EXPECT_EQ(before.apic_base, after.apic_base) TH_LOG("%s", breakers[i].what);
		EXPECT_EQ(before.cr0, after.cr0) TH_LOG("%s", breakers[i].what);
		EXPECT_EQ(before.cr4, after.cr4) TH_LOG("%s", breakers[i].what);
	}
	/* Nothing changed: the real-mode guest still runs. */
	vcpu_run_until_hlt(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(set_msrs_does_not_set_efer_lma)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint64_t efer;

	vm_load_guest(vm, CODE_GPA, rej_guest);
	vcpu_setup_real(vcpu, CODE_GPA);
	EXPECT_EQ(1, vcpu_set_msr(vcpu, MSR_EFER, EFER_LME | EFER_LMA));
	EXPECT_EQ(1, vcpu_get_msr(vcpu, MSR_EFER, &efer));
	EXPECT_EQ(EFER_LME, efer);
	vcpu_run_until_hlt(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * Before its first KVM_SET_CPUID2 a vCPU may set every CR4 bit the
 * supported CPUID offers (KVM computes the CPUID-dependent reserved bits
 * only when a CPUID is set); afterwards only those of its own CPUID.
 * Linux's set_sregs_test relies on the first half.
 */
#define CR4_FSGSBASE	(1ull << 16)
#define CR4_SMEP	(1ull << 20)
#define CR4_SMAP	(1ull << 21)
#define CPUID7_EBX_FSGSBASE	(1u << 0)
#define CPUID7_EBX_SMEP		(1u << 7)
#define CPUID7_EBX_SMAP		(1u << 20)

TEST(cr4_bits_follow_supported_cpuid_until_one_is_set)
{
	static const struct { uint64_t cr4; uint32_t ebx; } bits[] = {
		{ CR4_FSGSBASE, CPUID7_EBX_FSGSBASE },
		{ CR4_SMEP, CPUID7_EBX_SMEP },
		{ CR4_SMAP, CPUID7_EBX_SMAP },
	};
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(vm->dev_fd);
	struct kvm_cpuid_entry2 *leaf7 = cpuid_find(cpuid, 7, 0);
	struct kvm_sregs sregs, want;
	uint64_t extra = 0;
	size_t i;

	for (i = 0; leaf7 && i < ARRAY_SIZE(bits); i++)
		if (leaf7->ebx & bits[i].ebx)
			extra |= bits[i].cr4;
	if (!extra)
		SKIP(goto out, "the supported CPUID has none of FSGSBASE, SMEP, SMAP");
	vcpu_get_sregs(vcpu, &want);
	want.cr4 |= extra;
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS, &want)) TH_LOG("CR4 %#llx, errno %d",
								   want.cr4, errno);
	vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(extra, sregs.cr4 & extra);

	/* With a CPUID that lacks them, the same bits are refused. */
	leaf7->ebx &= ~(CPUID7_EBX_FSGSBASE | CPUID7_EBX_SMEP | CPUID7_EBX_SMAP);
	vcpu_set_cpuid(vcpu, cpuid);
	want.cr4 &= ~extra;
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS, &want));
	for (i = 0; i < ARRAY_SIZE(bits); i++) {
		if (!(extra & bits[i].cr4))
			continue;
		want.cr4 |= bits[i].cr4;
		EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_SREGS, &want)) TH_LOG("CR4 %#llx", want.cr4);
		EXPECT_EQ(EINVAL, errno);
		want.cr4 &= ~bits[i].cr4;
	}
out:
	free(cpuid);
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
