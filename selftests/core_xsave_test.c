// SPDX-License-Identifier: GPL-2.0
/*
 * State a VMM saves and restores besides the registers: KVM_GET/SET_XSAVE
 * (and KVM_GET_XSAVE2), KVM_GET/SET_XCRS (core/vcpu_xsave.c) and
 * KVM_GET/SET_DEBUGREGS (core/vcpu_state.c), the ioctls behind Linux's
 * state_test. Round trips, rejected input that changes nothing, and a
 * long-mode guest that finds what was restored: it OUTs the low half of
 * XMM0, then DR0, then DR7 to PORT_VAL.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define PORT_VAL	0x41
#define XSAVE_XMM0	160	/* byte offset of XMM0 in the legacy area */
#define XSAVE_BV	512	/* XSTATE_BV, the first word of the header */
#define DR7_FIXED	0x400ull
#define DR7_L0		0x1ull

asm(GUEST_ASM_BEGIN(state_guest, ".code64")
	"movq %xmm0, %rax\n"
	"outl %eax, $0x41\n"
	"movq %dr0, %rax\n"
	"outl %eax, $0x41\n"
	"movq %dr7, %rax\n"
	"outl %eax, $0x41\n"
	"1: hlt\n"
	"jmp 1b\n"
	GUEST_ASM_END(state_guest));
GUEST_CODE(state_guest);

TEST(caps)
{
	int dev = test_open_dev();

	EXPECT_EQ(1, ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE));
	EXPECT_EQ(1, ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_DEBUGREGS));
	EXPECT_GE(ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2), (int)sizeof(struct kvm_xsave));
	close(dev);
}

TEST(xsave_round_trip_and_guest)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_xsave *x = calloc(1, sizeof(*x)), *y = calloc(1, sizeof(*y));
	uint32_t val = 0x5eed1234;
	uint64_t bv;

	ASSERT_NE(NULL, x);
	ASSERT_NE(NULL, y);
	vm_load_guest(vm, CODE_GPA, state_guest);
	vcpu_setup_long(vcpu, CODE_GPA);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_XSAVE, x));
	memcpy((char *)x->region + XSAVE_XMM0, &val, sizeof(val));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_XSAVE, x));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_XSAVE, y));
	EXPECT_EQ(0, memcmp((char *)y->region + XSAVE_XMM0, &val, sizeof(val)));

	/* A component no XCR0 can hold: -EINVAL, the state stays. */
	memcpy(&bv, (char *)x->region + XSAVE_BV, sizeof(bv));
	bv |= 1ull << 62;
	memcpy((char *)x->region + XSAVE_BV, &bv, sizeof(bv));
	memset((char *)x->region + XSAVE_XMM0, 0x77, 4);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XSAVE, x));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_XSAVE, y));
	EXPECT_EQ(0, memcmp((char *)y->region + XSAVE_XMM0, &val, sizeof(val)));

	EXPECT_EQ(val, vcpu_run_until_out(vcpu, PORT_VAL));
	free(x);
	free(y);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(xcrs)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_xcrs xcrs = { }, bad;
	int has = ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_XCRS);

	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_XCRS, &xcrs));
	if (!has) {
		/* A host without XSAVE: no XCR, and KVM_SET_XCRS refused. */
		EXPECT_EQ(0, xcrs.nr_xcrs);
		EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs));
		EXPECT_EQ(EINVAL, errno);
		goto out;
	}
	ASSERT_EQ(1, xcrs.nr_xcrs);
	EXPECT_EQ(0, xcrs.xcrs[0].xcr);
	EXPECT_TRUE(xcrs.xcrs[0].value & 1);
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs));

	/* x87 cleared, an unknown component, flags: all -EINVAL. */
	bad = xcrs;
	bad.xcrs[0].value = 0;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XCRS, &bad));
	EXPECT_EQ(EINVAL, errno);
	bad.xcrs[0].value = 1ull << 63 | 1;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XCRS, &bad));
	EXPECT_EQ(EINVAL, errno);
	bad = xcrs;
	bad.flags = 1;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XCRS, &bad));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_XCRS, &bad));
	EXPECT_EQ(xcrs.xcrs[0].value, bad.xcrs[0].value);
out:
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(debugregs)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_debugregs d = { }, e = { };

	vm_load_guest(vm, CODE_GPA, state_guest);
	vcpu_setup_long(vcpu, CODE_GPA);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &d));
	EXPECT_TRUE(d.dr7 & DR7_FIXED);
	d.db[0] = 0x123000;
	d.db[3] = 0x456000;
	d.dr7 = DR7_FIXED | DR7_L0;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &d));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &e));
	EXPECT_EQ(d.db[0], e.db[0]);
	EXPECT_EQ(d.db[3], e.db[3]);
	EXPECT_EQ(d.dr7, e.dr7);

	/* Flags, and DR7 bits above 31: -EINVAL, nothing changes. */
	e.flags = 1;
	e.db[0] = 0;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &e));
	EXPECT_EQ(EINVAL, errno);
	e.flags = 0;
	e.dr7 = 1ull << 40 | DR7_FIXED;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &e));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &e));
	EXPECT_EQ(d.db[0], e.db[0]);
	EXPECT_EQ(d.dr7, e.dr7);

	/* The guest reads what was set. */
	vcpu_run_until_out(vcpu, PORT_VAL);
	EXPECT_EQ(0x123000, vcpu_run_until_out(vcpu, PORT_VAL));
	EXPECT_EQ(DR7_FIXED | DR7_L0, vcpu_run_until_out(vcpu, PORT_VAL));
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
