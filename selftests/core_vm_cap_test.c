// SPDX-License-Identifier: GPL-2.0
/*
 * VM settings made before vCPUs exist: KVM_ENABLE_CAP on the VM fd with
 * KVM_CAP_MAX_VCPU_ID (the rules Linux's max_vcpuid_cap_test checks), and
 * KVM_SET_BOOT_CPU_ID. The expected answers are KVM 6.1's
 * (kvm_vm_ioctl_enable_cap() and kvm_arch_vm_ioctl() in arch/x86/kvm/x86.c);
 * where minikvm is stricter, the check runs on /dev/minikvm only.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "minikvm_test.h"

#define APICBASE_BSP	(1ull << 8)
#define APICBASE_ENABLE	(1ull << 11)

static int create_vm(int dev)
{
	int vm = ioctl(dev, KVM_CREATE_VM, 0);

	if (vm < 0) {
		printf("# KVM_CREATE_VM: %s\n", strerror(errno));
		exit(1);
	}
	return vm;
}

static int enable_cap(int vm, __u32 cap, __u32 flags, __u64 arg0)
{
	struct kvm_enable_cap c = { .cap = cap, .flags = flags, .args = { arg0 } };

	return ioctl(vm, KVM_ENABLE_CAP, &c);
}

static unsigned long long apic_base(int vcpu)
{
	struct kvm_sregs s;

	if (ioctl(vcpu, KVM_GET_SREGS, &s)) {
		printf("# KVM_GET_SREGS: %s\n", strerror(errno));
		exit(1);
	}
	return s.apic_base;
}

TEST(enable_cap_vm_is_reported)
{
	int dev = test_open_dev();
	int vm = create_vm(dev);

	EXPECT_EQ(1, ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_ENABLE_CAP_VM));
	EXPECT_EQ(1, ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_ENABLE_CAP_VM));
	EXPECT_EQ(1, ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_SET_BOOT_CPU_ID));
	close(vm);
	close(dev);
}

/* What max_vcpuid_cap_test asserts, and a vCPU below the limit works. */
TEST(max_vcpu_id_set_once_and_enforced)
{
	int dev = test_open_dev();
	int vm = create_vm(dev);
	int max = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	int vcpu;

	ASSERT_GT(max, 2);
	EXPECT_EQ(-1, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0, max + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0, 2));
	/* The value in force again is fine; another one is not. */
	EXPECT_EQ(0, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0, 2));
	EXPECT_EQ(-1, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0, 3));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_EQ(-1, ioctl(vm, KVM_CREATE_VCPU, 2));
	EXPECT_EQ(EINVAL, errno);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 1);
	EXPECT_LE(0, vcpu);
	close(vcpu);
	close(vm);
	close(dev);
}

/* Rejected calls change nothing: the limit can still be set afterwards. */
TEST(enable_cap_rejects_flags_and_unknown_caps)
{
	int dev = test_open_dev();
	int vm = create_vm(dev);
	int max = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);

	EXPECT_EQ(-1, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 1, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, enable_cap(vm, 100000, 0, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0, max + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm, KVM_ENABLE_CAP, NULL));
	EXPECT_EQ(EFAULT, errno);

	EXPECT_EQ(0, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0, 1));
	EXPECT_EQ(-1, ioctl(vm, KVM_CREATE_VCPU, 1));
	EXPECT_EQ(EINVAL, errno);
	close(vm);
	close(dev);
}

/*
 * KVM 6.1 still takes a limit after vCPUs exist; minikvm refuses to
 * change it then (Documentation/ioctl.rst), and keeps the old one.
 */
TEST(max_vcpu_id_fixed_once_vcpus_exist)
{
	int dev = test_open_dev();
	int vm = create_vm(dev);
	int vcpu0 = ioctl(vm, KVM_CREATE_VCPU, 0);
	int vcpu3;

	ASSERT_LE(0, vcpu0);
	if (test_dev_is_minikvm()) {
		EXPECT_EQ(-1, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0, 2));
		EXPECT_EQ(EINVAL, errno);
		vcpu3 = ioctl(vm, KVM_CREATE_VCPU, 3);
		EXPECT_LE(0, vcpu3);
		close(vcpu3);
	}
	close(vcpu0);
	close(vm);
	close(dev);
}

TEST(boot_cpu_id_before_vcpus_only)
{
	int dev = test_open_dev();
	int vm = create_vm(dev);
	int vcpu0, vcpu1, vcpu2;

	EXPECT_EQ(0, ioctl(vm, KVM_SET_BOOT_CPU_ID, 5));
	EXPECT_EQ(0, ioctl(vm, KVM_SET_BOOT_CPU_ID, 1));
	vcpu0 = ioctl(vm, KVM_CREATE_VCPU, 0);
	vcpu1 = ioctl(vm, KVM_CREATE_VCPU, 1);
	ASSERT_LE(0, vcpu0);
	ASSERT_LE(0, vcpu1);
	EXPECT_EQ(-1, ioctl(vm, KVM_SET_BOOT_CPU_ID, 0));
	EXPECT_EQ(EBUSY, errno);
	vcpu2 = ioctl(vm, KVM_CREATE_VCPU, 2);
	ASSERT_LE(0, vcpu2);

	/*
	 * Where IA32_APIC_BASE is modelled without an irqchip (minikvm; KVM
	 * leaves it 0 then), only vCPU 1 is the BSP, also after the EBUSY.
	 */
	if (apic_base(vcpu1) & APICBASE_ENABLE) {
		EXPECT_EQ(0, apic_base(vcpu0) & APICBASE_BSP);
		EXPECT_EQ(APICBASE_BSP, apic_base(vcpu1) & APICBASE_BSP);
		EXPECT_EQ(0, apic_base(vcpu2) & APICBASE_BSP);
	} else {
		EXPECT_FALSE(test_dev_is_minikvm());
	}
	close(vcpu2);
	close(vcpu1);
	close(vcpu0);
	close(vm);
	close(dev);
}

TEST(boot_cpu_id_defaults_to_zero)
{
	int dev = test_open_dev();
	int vm = create_vm(dev);
	int vcpu0 = ioctl(vm, KVM_CREATE_VCPU, 0);
	int vcpu1 = ioctl(vm, KVM_CREATE_VCPU, 1);

	ASSERT_LE(0, vcpu0);
	ASSERT_LE(0, vcpu1);
	if (test_dev_is_minikvm()) {
		EXPECT_EQ(APICBASE_BSP, apic_base(vcpu0) & APICBASE_BSP);
		EXPECT_EQ(0, apic_base(vcpu1) & APICBASE_BSP);
	}
	close(vcpu1);
	close(vcpu0);
	close(vm);
	close(dev);
}

MINIKVM_TEST_MAIN
