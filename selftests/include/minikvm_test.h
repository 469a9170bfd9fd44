/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by every minikvm selftest. Each test binary runs, unchanged,
 * against /dev/minikvm and against /dev/kvm: the device is chosen on the
 * command line, so a difference between the two is visible as a test
 * result, not hidden in a build flag.
 *
 *   foo_test [--dev PATH] [kselftest harness options]
 *
 * Without --dev the MINIKVM_DEV environment variable is used, then
 * /dev/minikvm.
 */
#ifndef MINIKVM_TEST_H
#define MINIKVM_TEST_H

#include "kselftest_harness.h"
#include "test_util.h"

#define MINIKVM_TEST_MAIN						\
	int main(int argc, char **argv)					\
	{								\
		exit(test_harness_run(test_parse_dev(argc, argv), argv)); \
	}

#endif /* MINIKVM_TEST_H */
