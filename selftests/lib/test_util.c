// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers every selftest links: device selection and small host probes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <x86intrin.h>

#include "test_util.h"
#include "uapi/minikvm.h"
#include "vmx/apicv_names.h"

const char *test_dev_path = "/dev/minikvm";

int test_parse_dev(int argc, char **argv)
{
	const char *env = getenv("MINIKVM_DEV");
	int i, out = 1;

	if (env && *env)
		test_dev_path = env;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dev") && i + 1 < argc) {
			test_dev_path = argv[++i];
			continue;
		}
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	printf("# device under test: %s\n", test_dev_path);
	test_print_apicv();
	return out;
}

/*
 * Which APIC virtualization the in-kernel LAPIC runs with: minikvm's
 * decision (MINIKVM_GET_VMX_INFO, as mkvm --info prints it), or KVM's
 * module parameter. For the logs of tests run both ways (tools/testvm).
 */
void test_print_apicv(void)
{
	struct minikvm_vmx_info info;
	char buf[8] = "";
	unsigned int i;
	FILE *f;
	int fd;

	fd = open(test_dev_path, O_RDWR | O_CLOEXEC);
	if (fd >= 0 && !ioctl(fd, MINIKVM_GET_VMX_INFO, &info)) {
		printf("# apicv: minikvm");
		for (i = 0; i < ARRAY_SIZE(apicv_mode_names); i++)
			if (info.apicv & apicv_mode_names[i].bit)
				printf(" %s", apicv_mode_names[i].name);
		printf("%s\n", info.apicv ? "" : " off");
	} else {
		f = fopen("/sys/module/kvm_intel/parameters/enable_apicv", "r");
		if (f && fgets(buf, sizeof(buf), f))
			buf[strcspn(buf, "\n")] = '\0';
		printf("# apicv: kvm_intel enable_apicv=%s\n", buf[0] ? buf : "?");
		if (f)
			fclose(f);
	}
	if (fd >= 0)
		close(fd);
}

int test_open_dev(void)
{
	int fd = open(test_dev_path, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("# open %s: %s\n", test_dev_path, strerror(errno));
		exit(1);
	}
	return fd;
}

bool test_dev_is_minikvm(void)
{
	struct minikvm_vmx_info info;
	int fd = open(test_dev_path, O_RDWR | O_CLOEXEC);
	bool ret;

	if (fd < 0)
		return false;
	ret = ioctl(fd, MINIKVM_GET_VMX_INFO, &info) == 0;
	close(fd);
	return ret;
}

int test_read_msr(unsigned int cpu, unsigned int msr, unsigned long long *val)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/dev/cpu/%u/msr", cpu);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, val, sizeof(*val), msr);
	close(fd);
	if (n != sizeof(*val))
		return n < 0 ? -errno : -EIO;
	return 0;
}

long test_meminfo_kb(const char *key)
{
	size_t len = strlen(key);
	char line[256];
	long val = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			val = atol(line + len + 1);
	fclose(f);
	return val;
}

bool test_debug_kernel(void)
{
	return !access("/sys/kernel/debug/kmemleak", F_OK);
}

double test_tsc_hz(void)
{
	struct timespec t0, t1;
	uint64_t c0, c1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	c0 = __rdtsc();
	usleep(100000);
	c1 = __rdtsc();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (c1 - c0) / ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
}
