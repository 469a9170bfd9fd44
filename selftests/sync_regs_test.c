// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_SYNC_REGS (core/sync_regs.c): registers through the kvm_run
 * page. Unknown bits fail KVM_RUN with nothing applied; dirty sets are
 * applied at the start of KVM_RUN and their bits cleared, up to the first
 * set the SET ioctl would refuse; valid sets come back at every return
 * and agree with the GET ioctls.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define ALL_SYNC	(KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)
#define BAD_SYNC	(1ull << 7)
#define EFER_LMA_BIT	(1ull << 10)

asm(GUEST_ASM_BEGIN(sync_guest, ".code16")
	"1: incw %bx\n"
	"outb %al, $0x10\n"
	"jmp 1b\n"
	GUEST_ASM_END(sync_guest));
GUEST_CODE(sync_guest);

FIXTURE(sync) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_run *run;
};

FIXTURE_SETUP(sync)
{
	self->vm = vm_create(GUEST_MEM_SIZE);
	self->vcpu = vcpu_create(self->vm, 0);
	self->run = self->vcpu->run;
	vm_load_guest(self->vm, CODE_GPA, sync_guest);
	vcpu_setup_real(self->vcpu, CODE_GPA);
}

FIXTURE_TEARDOWN(sync)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

static int run_once(struct kvm_vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_RUN, 0) ? -errno : 0;
}

TEST_F(sync, capability)
{
	EXPECT_EQ(ALL_SYNC, ioctl(self->vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS));
}

TEST_F(sync, invalid_bits_apply_nothing)
{
	struct kvm_regs regs;
	uint64_t rip;

	self->run->kvm_valid_regs = BAD_SYNC;
	EXPECT_EQ(-EINVAL, run_once(self->vcpu));
	self->run->kvm_valid_regs = BAD_SYNC | ALL_SYNC;
	EXPECT_EQ(-EINVAL, run_once(self->vcpu));
	self->run->kvm_valid_regs = 0;

	vcpu_get_regs(self->vcpu, &regs);
	rip = regs.rip;
	self->run->s.regs.regs = regs;
	self->run->s.regs.regs.rbx = 0x4242;
	self->run->kvm_dirty_regs = KVM_SYNC_X86_REGS | BAD_SYNC;
	EXPECT_EQ(-EINVAL, run_once(self->vcpu));
	EXPECT_EQ(KVM_SYNC_X86_REGS | BAD_SYNC, self->run->kvm_dirty_regs);
	vcpu_get_regs(self->vcpu, &regs);
	EXPECT_NE(0x4242ull, regs.rbx);
	self->run->kvm_dirty_regs = 0;

	/* Nothing ran: RIP is still at the guest's first instruction. */
	EXPECT_EQ(rip, regs.rip);
}

TEST_F(sync, valid_sets_match_get_ioctls)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_vcpu_events ev;

	self->run->kvm_valid_regs = ALL_SYNC;
	ASSERT_EQ(0, run_once(self->vcpu));
	ASSERT_EQ(KVM_EXIT_IO, self->run->exit_reason);
	vcpu_get_regs(self->vcpu, &regs);
	vcpu_get_sregs(self->vcpu, &sregs);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(0, memcmp(&regs, &self->run->s.regs.regs, sizeof(regs)));
	EXPECT_EQ(sregs.cr0, self->run->s.regs.sregs.cr0);
	EXPECT_EQ(sregs.cr4, self->run->s.regs.sregs.cr4);
	EXPECT_EQ(sregs.efer, self->run->s.regs.sregs.efer);
	EXPECT_EQ(sregs.apic_base, self->run->s.regs.sregs.apic_base);
	EXPECT_EQ(sregs.cs.base, self->run->s.regs.sregs.cs.base);
	EXPECT_EQ(sregs.cs.selector, self->run->s.regs.sregs.cs.selector);
	EXPECT_EQ(sregs.ds.base, self->run->s.regs.sregs.ds.base);
	EXPECT_EQ(0, memcmp(sregs.interrupt_bitmap, self->run->s.regs.sregs.interrupt_bitmap,
			    sizeof(sregs.interrupt_bitmap)));
	EXPECT_EQ(ev.flags, self->run->s.regs.events.flags);
	EXPECT_EQ(ev.exception.injected, self->run->s.regs.events.exception.injected);
	EXPECT_EQ(ev.interrupt.injected, self->run->s.regs.events.interrupt.injected);
	EXPECT_EQ(ev.nmi.pending, self->run->s.regs.events.nmi.pending);
	EXPECT_EQ(ev.nmi.masked, self->run->s.regs.events.nmi.masked);
	EXPECT_EQ(ev.interrupt.shadow, self->run->s.regs.events.interrupt.shadow);
	EXPECT_EQ(1ull, regs.rbx & 0xffff);

	/* Without valid bits the page is left alone. */
	self->run->kvm_valid_regs = 0;
	self->run->s.regs.regs.rbx = 0xaaaa;
	ASSERT_EQ(0, run_once(self->vcpu));
	EXPECT_EQ(0xaaaaull, self->run->s.regs.regs.rbx);
}

TEST_F(sync, dirty_sets_go_in)
{
	struct kvm_regs regs;

	self->run->kvm_valid_regs = ALL_SYNC;
	ASSERT_EQ(0, run_once(self->vcpu));
	self->run->s.regs.regs.rbx = 0xbad1dea;
	self->run->s.regs.sregs.apic_base = 1 << 11;
	self->run->kvm_dirty_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	ASSERT_EQ(0, run_once(self->vcpu));
	EXPECT_EQ(0ull, self->run->kvm_dirty_regs);
	EXPECT_EQ(0xbad1deaull + 1, self->run->s.regs.regs.rbx);
	EXPECT_EQ(1ull << 11, self->run->s.regs.sregs.apic_base);
	vcpu_get_regs(self->vcpu, &regs);
	EXPECT_EQ(0xbad1deaull + 1, regs.rbx);

	/* Dirty but not valid: applied, the page not refreshed. */
	self->run->kvm_valid_regs = 0;
	self->run->kvm_dirty_regs = ALL_SYNC;
	self->run->s.regs.regs.rbx = 0xbbbb;
	ASSERT_EQ(0, run_once(self->vcpu));
	EXPECT_EQ(0xbbbbull, self->run->s.regs.regs.rbx);
	vcpu_get_regs(self->vcpu, &regs);
	EXPECT_EQ(0xbbbcull, regs.rbx);
}

TEST_F(sync, refused_set_stops_there)
{
	struct kvm_regs regs;

	self->run->kvm_valid_regs = ALL_SYNC;
	ASSERT_EQ(0, run_once(self->vcpu));
	self->run->kvm_valid_regs = 0;

	/* Regs go in; sregs with EFER.LMA outside long mode are refused. */
	self->run->s.regs.regs.rbx = 0x1000;
	self->run->s.regs.sregs.efer |= EFER_LMA_BIT;
	self->run->kvm_dirty_regs = ALL_SYNC;
	EXPECT_EQ(-EINVAL, run_once(self->vcpu));
	EXPECT_EQ(KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS, self->run->kvm_dirty_regs);
	vcpu_get_regs(self->vcpu, &regs);
	EXPECT_EQ(0x1000ull, regs.rbx);

	/* Sregs fixed; events with a flag KVM does not know are refused. */
	self->run->s.regs.sregs.efer &= ~EFER_LMA_BIT;
	self->run->s.regs.events.flags = 1u << 30;
	EXPECT_EQ(-EINVAL, run_once(self->vcpu));
	EXPECT_EQ(KVM_SYNC_X86_EVENTS, self->run->kvm_dirty_regs);
	self->run->kvm_dirty_regs = 0;
	ASSERT_EQ(0, run_once(self->vcpu));
	ASSERT_EQ(KVM_EXIT_IO, self->run->exit_reason);
	vcpu_get_regs(self->vcpu, &regs);
	EXPECT_EQ(0x1001ull, regs.rbx);
}

MINIKVM_TEST_MAIN
