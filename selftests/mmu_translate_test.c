// SPDX-License-Identifier: GPL-2.0
/*
 * GVA -> GPA -> HVA -> HPA (mmu/translate.c, mmu/gva.c): KVM_TRANSLATE
 * answers as KVM does on both devices, and on minikvm
 * MINIKVM_TRANSLATE_CHAIN shows the whole chain for a live guest: the
 * guest's mapping, the slot and VMM address, the host page (as root) and
 * the EPT leaf the guest's own access created.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "minikvm_test.h"
#include "kvm_util.h"
#include "uapi/minikvm.h"

/* Long mode, identity-mapped with 2 MiB pages: write one data word, halt. */
asm(GUEST_ASM_BEGIN(tr_guest, ".code64")
	"movl $0x600d, 0x8010\n"
	"hlt\n"
	GUEST_ASM_END(tr_guest));
GUEST_CODE(tr_guest);

FIXTURE(tr) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

FIXTURE_SETUP(tr)
{
	self->vm = vm_create(GUEST_MEM_SIZE);
	self->vcpu = vcpu_create(self->vm, 0);
	vm_load_guest(self->vm, CODE_GPA, tr_guest);
	vcpu_setup_long(self->vcpu, CODE_GPA);
	vcpu_run_until_hlt(self->vcpu);
}

FIXTURE_TEARDOWN(tr)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

TEST_F(tr, kvm_translate)
{
	struct kvm_translation t = { .linear_address = DATA_GPA + 0x10 };

	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_TRANSLATE, &t));
	EXPECT_EQ(1, t.valid);
	EXPECT_EQ(DATA_GPA + 0x10, t.physical_address);
	/* KVM's fixed answers for these two. */
	EXPECT_EQ(1, t.writeable);
	EXPECT_EQ(0, t.usermode);

	/* Outside the guest's page tables (the map covers the first GiB). */
	t = (struct kvm_translation) { .linear_address = 0x7f0000000000ull };
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_TRANSLATE, &t));
	EXPECT_EQ(0, t.valid);
}

TEST_F(tr, whole_chain)
{
	struct minikvm_translation_chain c = { .gva = DATA_GPA + 0x10 };
	int ret = ioctl(self->vcpu->fd, MINIKVM_TRANSLATE_CHAIN, &c);

	if (ret && !test_dev_is_minikvm())
		SKIP(return, "MINIKVM_TRANSLATE_CHAIN is a minikvm extension (KVM: EINVAL)");
	ASSERT_EQ(0, ret);
	EXPECT_EQ(MINIKVM_CHAIN_GPA | MINIKVM_CHAIN_HVA | MINIKVM_CHAIN_HPA | MINIKVM_CHAIN_EPT,
		  c.flags);
	EXPECT_EQ(DATA_GPA + 0x10, c.gpa);
	EXPECT_EQ(2, c.guest_level);		/* 2 MiB guest pages */
	EXPECT_EQ(1, c.guest_writable);
	EXPECT_EQ(0u, c.slot);
	EXPECT_EQ((uint64_t)(unsigned long)self->vm->mem + DATA_GPA + 0x10, c.hva);
	EXPECT_EQ(0x10u, c.hpa & 0xfff);
	EXPECT_NE(0u, c.hpa & ~0xfffull);
	EXPECT_EQ(1, c.ept_level);		/* anonymous 4 KiB host pages */
	EXPECT_EQ(7, c.ept_perm);		/* written by the guest: rwx */

	/* A GPA no slot backs: guest mapping yes, slot and EPT no. */
	c = (struct minikvm_translation_chain) { .gva = 0x30000000 };
	ASSERT_EQ(0, ioctl(self->vcpu->fd, MINIKVM_TRANSLATE_CHAIN, &c));
	EXPECT_EQ(MINIKVM_CHAIN_GPA, c.flags);
	EXPECT_EQ(0x30000000u, c.gpa);
}

MINIKVM_TEST_MAIN
