// SPDX-License-Identifier: GPL-2.0
/*
 * core/trace.h: every minikvm tracepoint fires, seen through tracefs as
 * ftrace users see it.
 *
 *   1. mount tracefs if needed; the six events exist under events/minikvm
 *   2. enable them, empty the buffer
 *   3. a real-mode guest: CPUID; RDMSR of a nonexistent MSR, which the
 *      hypervisor answers with #GP (injected, through the IVT to a handler);
 *      the handler OUTs and HLTs; then a write outside all memory (MMIO)
 *   4. disable, read the buffer, find each event with the expected fields
 *
 * On /dev/kvm the same guest runs and KVM's own kvm:kvm_exit and
 * kvm:kvm_userspace_exit are checked instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/kvm.h>

#include "minikvm_test.h"
#include "guest_util.h"

#define TRACEFS		"/sys/kernel/tracing"
#define CODE_GPA	0x1000
#define STACK		0x2ff0
#define MMIO_GPA	0x8000
#define GP_VECTOR	13

asm(".pushsection .rodata\n"
	"trace_guest_start:\n"
	".code16\n"
	"	xor %eax, %eax\n"
	"	cpuid\n"
	"	mov $0x12345, %ecx\n"
	"	rdmsr\n"
	"trace_guest_gp:\n"
	"	out %al, $0x10\n"
	"	hlt\n"
	"	movb $1, 0x8000\n"
	"	hlt\n"
	".code64\n"
	"trace_guest_end:\n"
	".popsection\n");
extern const unsigned char trace_guest_start[], trace_guest_gp[], trace_guest_end[];

static const char * const minikvm_events[] = {
	"minikvm_entry", "minikvm_exit", "minikvm_userspace_exit",
	"minikvm_inject", "minikvm_ept_violation", "minikvm_mmio",
};

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

static char *read_trace(void)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	ssize_t n;
	int fd = open(TRACEFS "/trace", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !buf)
		return NULL;
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096)
			buf = realloc(buf, cap *= 2);
	}
	close(fd);
	buf[len] = 0;
	return buf;
}

/* A line of @trace holding all of @a and @b. */
static bool trace_has(const char *trace, const char *a, const char *b)
{
	const char *line = trace;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		char l[512];
		size_t n = end ? (size_t)(end - line) : strlen(line);

		snprintf(l, sizeof(l), "%.*s", (int)n, line);
		if (strstr(l, a) && strstr(l, b))
			return true;
		line = end ? end + 1 : NULL;
	}
	printf("# no trace line with \"%s\" and \"%s\"\n", a, b);
	return false;
}

static int tracefs_ready(void)
{
	struct stat st;

	if (!stat(TRACEFS "/events", &st))
		return 0;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL))
		return -errno;
	return 0;
}

/* Steps 3 for both devices: the exits seen by userspace, in order. */
static void run_guest(struct __test_metadata *_metadata)
{
	unsigned short *ivt;
	struct test_vm t;

	ASSERT_EQ(0, test_vm_real_mode(&t, 0x3000, trace_guest_start,
				       trace_guest_end - trace_guest_start, CODE_GPA, STACK));
	ivt = t.mem;
	ivt[GP_VECTOR * 2] = CODE_GPA + (trace_guest_gp - trace_guest_start);
	ivt[GP_VECTOR * 2 + 1] = 0;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_IO, t.run->exit_reason);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_HLT, t.run->exit_reason);
	/* KVM emulates the write (KVM_EXIT_MMIO); minikvm has no decoder yet. */
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_RUN, 0));
	EXPECT_TRUE(t.run->exit_reason == KVM_EXIT_MMIO ||
		    t.run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
		TH_LOG("exit_reason %u", t.run->exit_reason);
	}
	test_vm_close(&t);
}

TEST(events_fire)
{
	const char *sys = test_dev_is_minikvm() ? "minikvm" : "kvm";
	char path[256], *trace;
	unsigned int i;
	struct stat st;
	int ret;

	/* 1 */
	ret = tracefs_ready();
	ASSERT_EQ(0, ret) {
		TH_LOG("cannot mount tracefs at %s: %s", TRACEFS, strerror(-ret));
	}
	if (test_dev_is_minikvm()) {
		for (i = 0; i < ARRAY_SIZE(minikvm_events); i++) {
			snprintf(path, sizeof(path), TRACEFS "/events/minikvm/%s/format",
				 minikvm_events[i]);
			EXPECT_EQ(0, stat(path, &st)) {
				TH_LOG("%s missing", path);
			}
		}
	}
	/* 2 */
	ASSERT_EQ(0, write_file(TRACEFS "/tracing_on", "0"));
	ASSERT_EQ(0, write_file(TRACEFS "/trace", ""));
	snprintf(path, sizeof(path), TRACEFS "/events/%s/enable", sys);
	ASSERT_EQ(0, write_file(path, "1"));
	ASSERT_EQ(0, write_file(TRACEFS "/tracing_on", "1"));
	/* 3 */
	run_guest(_metadata);
	/* 4 */
	write_file(TRACEFS "/tracing_on", "0");
	write_file(path, "0");
	trace = read_trace();
	ASSERT_NE(NULL, trace);

	if (!test_dev_is_minikvm()) {
		EXPECT_TRUE(trace_has(trace, "kvm_exit:", "reason CPUID"));
		EXPECT_TRUE(trace_has(trace, "kvm_userspace_exit:", "reason KVM_EXIT_IO"));
		free(trace);
		return;
	}
	EXPECT_TRUE(trace_has(trace, "minikvm_entry:", "vcpu 0 rip 0x1000"));
	EXPECT_TRUE(trace_has(trace, "minikvm_exit:", "reason CPUID"));
	EXPECT_TRUE(trace_has(trace, "minikvm_exit:", "reason MSR_READ"));
	EXPECT_TRUE(trace_has(trace, "minikvm_inject:", "vector 13 type HARD_EXCEPTION"));
	EXPECT_TRUE(trace_has(trace, "minikvm_userspace_exit:", "reason IO"));
	EXPECT_TRUE(trace_has(trace, "minikvm_userspace_exit:", "reason HLT"));
	EXPECT_TRUE(trace_has(trace, "minikvm_ept_violation:", "gpa 0x1000"));
	EXPECT_TRUE(trace_has(trace, "minikvm_mmio:", "write gpa 0x8000"));
	free(trace);
}

MINIKVM_TEST_MAIN
