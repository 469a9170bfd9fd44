// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID exits (vmx/exit_cpuid.c): the guest sees exactly the table set
 * with KVM_SET_CPUID2. The table starts from the device's
 * KVM_GET_SUPPORTED_CPUID, as every VMM's does, with a few entries
 * changed; the guest executes CPUID for the leaves the host feeds it
 * through IN and reports EAX, EBX, ECX, EDX with OUT.
 *
 * KVM rules checked (arch/x86/kvm/cpuid.c, kvm_cpuid()):
 * - entries come back as set, except the bits KVM keeps live: leaf 1
 *   ECX.OSXSAVE (follows CR4) and EDX.APIC (follows the APIC base MSR);
 * - for a non-AMD vendor a leaf above its class's maximum returns the
 *   entry of the maximum basic leaf (Intel's rule);
 * - more than 256 entries is E2BIG.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define PORT_LEAF	0x30
#define PORT_REGS	0x31

asm(GUEST_ASM_BEGIN(cpuid_guest, ".code32")
	"1: movw $0x30, %dx\n"
	"inl %dx, %eax\n"
	"movl %eax, %esi\n"
	"inl %dx, %eax\n"
	"movl %eax, %ecx\n"
	"movl %esi, %eax\n"
	"cpuid\n"
	"movl %edx, %edi\n"	/* DX is about to hold the port */
	"movw $0x31, %dx\n"
	"outl %eax, %dx\n"
	"movl %ebx, %eax\n"
	"outl %eax, %dx\n"
	"movl %ecx, %eax\n"
	"outl %eax, %dx\n"
	"movl %edi, %eax\n"
	"outl %eax, %dx\n"
	"jmp 1b\n"
	GUEST_ASM_END(cpuid_guest));
GUEST_CODE(cpuid_guest);

FIXTURE(cpuid) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_cpuid2 *table;
};

static void set_regs_str(struct kvm_cpuid_entry2 *e, const char *s)
{
	memcpy(&e->eax, s, 4);
	memcpy(&e->ebx, s + 4, 4);
	memcpy(&e->ecx, s + 8, 4);
	memcpy(&e->edx, s + 12, 4);
}

FIXTURE_SETUP(cpuid)
{
	struct kvm_cpuid_entry2 *e;

	self->vm = vm_create(GUEST_MEM_SIZE);
	self->vcpu = vcpu_create(self->vm, 0);
	self->table = kvm_get_supported_cpuid(self->vm->dev_fd);

	/* Vendor "MiniKVMTests" (EBX, EDX, ECX order), max basic leaf kept. */
	e = cpuid_find(self->table, 0, 0);
	ASSERT_NE(NULL, e);
	memcpy(&e->ebx, "Mini", 4);
	memcpy(&e->edx, "KVMT", 4);
	memcpy(&e->ecx, "ests", 4);
	/* A brand string of our own in 0x80000002..4. */
	e = cpuid_find(self->table, 0x80000002, 0);
	ASSERT_NE(NULL, e);
	set_regs_str(e, "minikvm selftes");
	e = cpuid_find(self->table, 0x80000003, 0);
	ASSERT_NE(NULL, e);
	set_regs_str(e, "t brand string ");
	e = cpuid_find(self->table, 0x80000004, 0);
	ASSERT_NE(NULL, e);
	set_regs_str(e, "for the guest\0\0");
	vcpu_set_cpuid(self->vcpu, self->table);

	vm_load_guest(self->vm, CODE_GPA, cpuid_guest);
	vcpu_setup_prot32(self->vcpu, CODE_GPA, false);
}

FIXTURE_TEARDOWN(cpuid)
{
	free(self->table);
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

/* One guest CPUID of (leaf, index): four registers through the ports. */
static void guest_cpuid(struct kvm_vcpu *vcpu, uint32_t leaf, uint32_t index,
			uint32_t out[4])
{
	struct kvm_run *run = vcpu->run;

	for (int i = 0; i < 2; i++) {
		vcpu_run(vcpu);
		TEST_ASSERT(run->exit_reason == KVM_EXIT_IO &&
			    run->io.direction == KVM_EXIT_IO_IN &&
			    run->io.port == PORT_LEAF, "expected IN from 0x30");
		*(uint32_t *)io_data(vcpu) = i ? index : leaf;
	}
	for (int i = 0; i < 4; i++)
		out[i] = vcpu_run_until_out(vcpu, PORT_REGS);
}

static void expect_entry(struct __test_metadata *_metadata,
			 struct kvm_vcpu *vcpu, struct kvm_cpuid_entry2 *e,
			 uint32_t leaf, uint32_t index)
{
	uint32_t r[4];

	guest_cpuid(vcpu, leaf, index, r);
	EXPECT_EQ(e->eax, r[0]);
	EXPECT_EQ(e->ebx, r[1]);
	EXPECT_EQ(e->ecx, r[2]);
	EXPECT_EQ(e->edx, r[3]);
	TH_LOG("leaf 0x%x.%u: %08x %08x %08x %08x", leaf, index, r[0], r[1],
	       r[2], r[3]);
}

TEST_F(cpuid, modified_entries_as_set)
{
	uint32_t leaves[] = { 0, 0x80000002, 0x80000003, 0x80000004, 0x80000000 };

	for (unsigned int i = 0; i < ARRAY_SIZE(leaves); i++) {
		struct kvm_cpuid_entry2 *e = cpuid_find(self->table, leaves[i], 0);

		ASSERT_NE(NULL, e);
		expect_entry(_metadata, self->vcpu, e, leaves[i], 0);
	}
}

/*
 * After the first KVM_RUN, as KVM 6.1: the same table again is accepted,
 * a changed one is -EINVAL and the guest keeps seeing the old one.
 */
TEST_F(cpuid, frozen_after_first_run)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(self->table, 0x80000002, 0);
	uint32_t r[4];

	ASSERT_NE(NULL, e);
	guest_cpuid(self->vcpu, 0, 0, r);
	EXPECT_EQ(0, ioctl(self->vcpu->fd, KVM_SET_CPUID2, self->table));
	e->eax ^= 1;
	EXPECT_EQ(-1, ioctl(self->vcpu->fd, KVM_SET_CPUID2, self->table));
	EXPECT_EQ(EINVAL, errno);
	self->table->nent--;
	EXPECT_EQ(-1, ioctl(self->vcpu->fd, KVM_SET_CPUID2, self->table));
	EXPECT_EQ(EINVAL, errno);
	self->table->nent++;
	e->eax ^= 1;
	expect_entry(_metadata, self->vcpu, e, 0x80000002, 0);
}

TEST_F(cpuid, leaf1_except_live_bits)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(self->table, 1, 0);
	uint32_t r[4];

	ASSERT_NE(NULL, e);
	guest_cpuid(self->vcpu, 1, 0, r);
	EXPECT_EQ(e->eax, r[0]);
	EXPECT_EQ(e->ebx, r[1]);
	EXPECT_EQ(e->ecx & ~(1u << 27), r[2] & ~(1u << 27));
	EXPECT_EQ(e->edx & ~(1u << 9), r[3] & ~(1u << 9));
	/* CR4.OSXSAVE is clear in this guest, so CPUID.1:ECX.OSXSAVE is too. */
	EXPECT_EQ(0u, r[2] & (1u << 27));
}

TEST_F(cpuid, out_of_range_leaf_is_max_basic)
{
	uint32_t max = cpuid_find(self->table, 0, 0)->eax;
	struct kvm_cpuid_entry2 zero = { 0 }, *e;

	if (max == 0xb || max == 0x1f)
		SKIP(return, "max basic leaf 0x%x has a live EDX", max);
	e = cpuid_find(self->table, max, 0);
	expect_entry(_metadata, self->vcpu, e ? e : &zero, max + 1, 0);
	/* An extended leaf above 0x80000000's EAX goes there too. */
	expect_entry(_metadata, self->vcpu, e ? e : &zero,
		     cpuid_find(self->table, 0x80000000, 0)->eax + 1, 0);
}

TEST_F(cpuid, too_many_entries_is_e2big)
{
	struct kvm_cpuid2 *big = calloc(1, sizeof(*big) + 257 * sizeof(big->entries[0]));
	struct kvm_cpuid2 small = { .nent = 1 };

	ASSERT_NE(NULL, big);
	big->nent = 257;
	EXPECT_EQ(-1, ioctl(self->vcpu->fd, KVM_SET_CPUID2, big));
	EXPECT_EQ(E2BIG, errno);
	free(big);
	/* KVM_GET_SUPPORTED_CPUID with too small a buffer: E2BIG too. */
	EXPECT_EQ(-1, ioctl(self->vm->dev_fd, KVM_GET_SUPPORTED_CPUID, &small));
	EXPECT_EQ(E2BIG, errno);
}

MINIKVM_TEST_MAIN
