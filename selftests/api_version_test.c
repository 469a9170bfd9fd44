// SPDX-License-Identifier: GPL-2.0
/*
 * The system ioctls every KVM program issues first: KVM_GET_API_VERSION,
 * KVM_CHECK_EXTENSION, and what an ioctl the device does not know returns.
 * The expected values are KVM's (virt/kvm/kvm_main.c, kvm_dev_ioctl()).
 */
#include <errno.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "minikvm_test.h"

TEST(api_version_is_12)
{
	int fd = test_open_dev();

	EXPECT_EQ(KVM_API_VERSION, ioctl(fd, KVM_GET_API_VERSION, 0));
	close(fd);
}

TEST(api_version_rejects_nonzero_arg)
{
	int fd = test_open_dev();

	EXPECT_EQ(-1, ioctl(fd, KVM_GET_API_VERSION, 1));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(unknown_system_ioctl_is_einval)
{
	int fd = test_open_dev();

	/* 0xAE/0x3f is unassigned in <linux/kvm.h>; 'z'/0x7f is nothing at all. */
	EXPECT_EQ(-1, ioctl(fd, _IO(KVMIO, 0x3f), 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, _IO('z', 0x7f), 0));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(check_extension_unknown_cap_is_zero)
{
	int fd = test_open_dev();

	EXPECT_EQ(0, ioctl(fd, KVM_CHECK_EXTENSION, 100000));
	EXPECT_EQ(0, ioctl(fd, KVM_CHECK_EXTENSION, -1L));
	close(fd);
}

MINIKVM_TEST_MAIN
