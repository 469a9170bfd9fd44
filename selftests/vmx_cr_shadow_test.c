// SPDX-License-Identifier: GPL-2.0
/*
 * CR0 and CR4 as the guest really has them (vmx/cr.c). Bits the guest
 * owns change without a VM exit, so KVM_GET_SREGS must read them from
 * the CPU's state, not from a copy made at the last exit; bits the vCPU's
 * CPUID does not offer, and MOVs the SDM forbids, give the guest #GP:
 *
 * - the guest sets CR0.AM, clears CR0.WP and sets CR4.PGE; KVM_GET_SREGS
 *   shows all three (before: the values of the last CR exit);
 * - CR4.PCIDE with no PCID in the vCPU's CPUID (none is set here): #GP;
 * - clearing CR0.PG in 64-bit code: #GP.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define CR0_WP		(1ull << 16)
#define CR0_AM		(1ull << 18)
#define CR4_PGE		(1ull << 7)
#define GP_VECTOR	13

asm(GUEST_ASM_BEGIN(owned_guest, ".code64")
	"mov %cr0, %rax\n"
	"or $0x40000, %rax\n"		/* AM */
	"and $~0x10000, %rax\n"		/* WP */
	"mov %rax, %cr0\n"
	"mov %cr4, %rax\n"
	"or $0x80, %rax\n"		/* PGE */
	"mov %rax, %cr4\n"
	"hlt\n"
	GUEST_ASM_END(owned_guest));
GUEST_CODE(owned_guest);

asm(GUEST_ASM_BEGIN(pcide_guest, ".code64")
	"mov %cr4, %rax\n"
	"or $0x20000, %rax\n"		/* PCIDE */
	"mov %rax, %cr4\n"
	"hlt\n"
	GUEST_ASM_END(pcide_guest));
GUEST_CODE(pcide_guest);

asm(GUEST_ASM_BEGIN(nopg_guest, ".code64")
	"mov %cr0, %rax\n"
	"btr $31, %rax\n"		/* PG */
	"mov %rax, %cr0\n"
	"hlt\n"
	GUEST_ASM_END(nopg_guest));
GUEST_CODE(nopg_guest);

static struct kvm_vcpu *long_vcpu(struct kvm_vm *vm, const char *start, const char *end)
{
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);

	vm_load_code(vm, CODE_GPA, start, end);
	vcpu_setup_long(vcpu, CODE_GPA);
	vcpu_setup_long_idt(vcpu);
	return vcpu;
}

TEST(guest_owned_bits_reach_get_sregs)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = long_vcpu(vm, owned_guest_start, owned_guest_end);
	struct kvm_sregs sregs;

	vcpu_run_until_hlt(vcpu);
	vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(CR0_AM, sregs.cr0 & CR0_AM) TH_LOG("CR0 %#llx", sregs.cr0);
	EXPECT_EQ(0ull, sregs.cr0 & CR0_WP) TH_LOG("CR0 %#llx", sregs.cr0);
	EXPECT_EQ(CR4_PGE, sregs.cr4 & CR4_PGE) TH_LOG("CR4 %#llx", sregs.cr4);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* The guest between @start and @end must take #GP. */
static void expect_gp(struct __test_metadata *_metadata, const char *start, const char *end)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = long_vcpu(vm, start, end);

	EXPECT_EQ(GP_VECTOR, vcpu_run_until_out(vcpu, PORT_EXC));
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(pcide_without_cpuid_pcid_is_gp)
{
	expect_gp(_metadata, pcide_guest_start, pcide_guest_end);
}

TEST(clearing_pg_in_64bit_code_is_gp)
{
	expect_gp(_metadata, nopg_guest_start, nopg_guest_end);
}

MINIKVM_TEST_MAIN
