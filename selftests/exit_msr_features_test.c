// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_GET_MSR_FEATURES: KVM_GET_MSR_FEATURE_INDEX_LIST and
 * KVM_GET_MSRS on the system fd (vmx/exit_msr.c). Every MSR listed must
 * be readable there, an MSR not listed stops the read (count 0), and the
 * list and the batch follow the contracts of the other MSR ioctls
 * (count written back before -E2BIG; -E2BIG from 256 entries).
 */
#include <errno.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define MSR_UCODE_REV	0x8b
#define MSR_PERF_CAPABILITIES	0x345
#define CPUID_1_ECX_PDCM	(1u << 15)
#define MSR_UNKNOWN	0x40001234	/* no KVM or Hyper-V range */

struct msr_list {
	struct kvm_msr_list l;
	uint32_t more[1024];
};

static int feature_read(int dev, uint32_t index, uint64_t *val)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = index };
	int ret = ioctl(dev, KVM_GET_MSRS, &m);

	*val = m.e.data;
	return ret;
}

TEST(every_listed_feature_msr_is_readable)
{
	int dev = test_open_dev();
	struct msr_list list = { .l.nmsrs = 0 };
	unsigned int i, ucode = 0;
	uint64_t val;

	EXPECT_EQ(1, ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_GET_MSR_FEATURES));
	EXPECT_EQ(-1, ioctl(dev, KVM_GET_MSR_FEATURE_INDEX_LIST, &list));
	EXPECT_EQ(E2BIG, errno);
	ASSERT_LT(0, list.l.nmsrs);
	ASSERT_GE(1024, list.l.nmsrs);
	ASSERT_EQ(0, ioctl(dev, KVM_GET_MSR_FEATURE_INDEX_LIST, &list));
	for (i = 0; i < list.l.nmsrs; i++) {
		EXPECT_EQ(1, feature_read(dev, list.l.indices[i], &val))
			TH_LOG("MSR %#x", list.l.indices[i]);
		ucode += list.l.indices[i] == MSR_UCODE_REV;
	}
	EXPECT_EQ(1, ucode);
	close(dev);
}

TEST(unlisted_msr_and_batch_limits)
{
	int dev = test_open_dev();
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[2];
	} m = { .hdr.nmsrs = 2, .e = { { .index = MSR_UCODE_REV },
				       { .index = MSR_UNKNOWN, .data = 7 } } };
	uint64_t val;

	EXPECT_EQ(0, feature_read(dev, MSR_UNKNOWN, &val));
	/* The first is read, the read stops at the second, zeroed as KVM. */
	EXPECT_EQ(1, ioctl(dev, KVM_GET_MSRS, &m));
	EXPECT_EQ(0, m.e[1].data);
	m.hdr.nmsrs = 256;
	EXPECT_EQ(-1, ioctl(dev, KVM_GET_MSRS, &m));
	EXPECT_EQ(E2BIG, errno);
	close(dev);
}

/*
 * KVM lists IA32_PERF_CAPABILITIES whether or not it has a PMU, and
 * Linux's vmx_pmu_caps_test reads it before it checks for PDCM: a device
 * that leaves it out fails that test instead of skipping it. Without
 * PDCM in the supported CPUID no capability can be offered: 0.
 */
TEST(perf_capabilities_is_listed)
{
	int dev = test_open_dev();
	struct msr_list list = { .l.nmsrs = 1024 };
	struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(dev);
	struct kvm_cpuid_entry2 *leaf1 = cpuid_find(cpuid, 1, 0);
	unsigned int i, found = 0;
	uint64_t val = ~0ull;

	ASSERT_EQ(0, ioctl(dev, KVM_GET_MSR_FEATURE_INDEX_LIST, &list));
	for (i = 0; i < list.l.nmsrs; i++)
		found += list.l.indices[i] == MSR_PERF_CAPABILITIES;
	EXPECT_EQ(1, found);
	ASSERT_EQ(1, feature_read(dev, MSR_PERF_CAPABILITIES, &val));
	ASSERT_NE(NULL, leaf1);
	if (!(leaf1->ecx & CPUID_1_ECX_PDCM))
		EXPECT_EQ(0, val);
	free(cpuid);
	close(dev);
}

/* minikvm offers the value its guests read; KVM offers the host's. */
TEST(ucode_rev_is_what_a_vcpu_reads)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint64_t feature, guest;

	ASSERT_EQ(1, feature_read(vm->dev_fd, MSR_UCODE_REV, &feature));
	ASSERT_EQ(1, vcpu_get_msr(vcpu, MSR_UCODE_REV, &guest));
	if (test_dev_is_minikvm())
		EXPECT_EQ(guest, feature);
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
