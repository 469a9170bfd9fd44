// SPDX-License-Identifier: GPL-2.0
/*
 * core/stats.c: the debugfs counters move exactly as the guest works.
 *
 *   1. a real-mode guest runs N CPUIDs, then HLT: vcpu0/exits says
 *      CPUID N, the VM's sum says the same, halt_exits 1, exits_to_user
 *      1, and the code page was faulted in through the EPT
 *   2. a guest doing N OUTs, then HLT: N IO_INSTRUCTION exits and N + 1
 *      exits to userspace (each OUT, then the HLT)
 *   3. closing the VM removes its directory
 *
 * On /dev/kvm the tree is KVM's /sys/kernel/debug/kvm/<pid>-<fd>/, with
 * other files (no per-reason table): only its "exits" total is checked.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/kvm.h>

#include "minikvm_test.h"
#include "guest_util.h"

#define NR_WORK		25
#define MINIKVM_STATS	"/sys/kernel/debug/minikvm"
#define KVM_STATS	"/sys/kernel/debug/kvm"

#define STR(x)		#x
#define XSTR(x)		STR(x)

/* N CPUIDs, then HLT. CPUID clobbers EAX..EDX: count in DI. */
asm(".pushsection .rodata\n"
	"cpuid_guest_start:\n"
	".code16\n"
	"	mov $" XSTR(NR_WORK) ", %di\n"
	"1:	xor %eax, %eax\n"
	"	cpuid\n"
	"	dec %di\n"
	"	jnz 1b\n"
	"	hlt\n"
	".code64\n"
	"cpuid_guest_end:\n"
	"out_guest_start:\n"
	".code16\n"
	"	mov $" XSTR(NR_WORK) ", %di\n"
	"1:	out %al, $0x10\n"
	"	dec %di\n"
	"	jnz 1b\n"
	"	hlt\n"
	".code64\n"
	"out_guest_end:\n"
	".popsection\n");
extern const unsigned char cpuid_guest_start[], cpuid_guest_end[];
extern const unsigned char out_guest_start[], out_guest_end[];

static const char *stats_root(void)
{
	return test_dev_is_minikvm() ? MINIKVM_STATS : KVM_STATS;
}

TEST(cpuid_exits_counted)
{
	struct test_vm t;
	char dir[256], vcpu_dir[300];

	ASSERT_EQ(0, test_vm_real_mode(&t, 0x1000, cpuid_guest_start,
				       cpuid_guest_end - cpuid_guest_start, 0, 0xff0));
	ASSERT_EQ(0, test_stats_vm_dir(stats_root(), dir, sizeof(dir))) {
		TH_LOG("no statistics directory for pid %d under %s", getpid(), stats_root());
	}
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_HLT, t.run->exit_reason);

	if (!test_dev_is_minikvm()) {
		/* KVM: a total over all reasons, which includes host interrupts. */
		EXPECT_LE(NR_WORK, test_stats_read(dir, "exits"));
		test_vm_close(&t);
		return;
	}
	snprintf(vcpu_dir, sizeof(vcpu_dir), "%s/vcpu0", dir);
	EXPECT_EQ(NR_WORK, test_stats_exits(vcpu_dir, "CPUID"));
	EXPECT_EQ(NR_WORK, test_stats_exits(dir, "CPUID"));
	EXPECT_EQ(1, test_stats_exits(vcpu_dir, "HLT"));
	EXPECT_EQ(0, test_stats_exits(vcpu_dir, "IO_INSTRUCTION"));
	EXPECT_EQ(1, test_stats_read(vcpu_dir, "halt_exits"));
	EXPECT_EQ(1, test_stats_read(vcpu_dir, "exits_to_user"));
	EXPECT_EQ(1, test_stats_read(dir, "exits_to_user"));
	/* The one code page; the stack is in the same page. */
	EXPECT_EQ(1, test_stats_read(vcpu_dir, "ept_faults"));
	EXPECT_EQ(1, test_stats_read(vcpu_dir, "pages_4k"));
	EXPECT_EQ(0, test_stats_read(vcpu_dir, "pages_2m"));
	EXPECT_EQ(0, test_stats_read(vcpu_dir, "mmio_exits"));
	EXPECT_EQ(0, test_stats_read(dir, "injections"));
	test_vm_close(&t);
}

TEST(out_exits_to_user)
{
	struct test_vm t;
	char dir[256], vcpu_dir[300];
	int outs = 0;

	ASSERT_EQ(0, test_vm_real_mode(&t, 0x1000, out_guest_start,
				       out_guest_end - out_guest_start, 0, 0xff0));
	ASSERT_EQ(0, test_stats_vm_dir(stats_root(), dir, sizeof(dir)));
	for (;;) {
		ASSERT_EQ(0, ioctl(t.vcpu, KVM_RUN, 0));
		if (t.run->exit_reason != KVM_EXIT_IO)
			break;
		outs++;
	}
	ASSERT_EQ(KVM_EXIT_HLT, t.run->exit_reason);
	ASSERT_EQ(NR_WORK, outs);

	if (!test_dev_is_minikvm()) {
		EXPECT_LE(NR_WORK, test_stats_read(dir, "exits"));
		test_vm_close(&t);
		return;
	}
	snprintf(vcpu_dir, sizeof(vcpu_dir), "%s/vcpu0", dir);
	EXPECT_EQ(NR_WORK, test_stats_exits(vcpu_dir, "IO_INSTRUCTION"));
	EXPECT_EQ(NR_WORK + 1, test_stats_read(vcpu_dir, "exits_to_user"));
	EXPECT_EQ(NR_WORK + 1, test_stats_read(dir, "exits_to_user"));
	test_vm_close(&t);
}

/* userspace/minikvm-stat --once shows the same table. */
TEST(minikvm_stat_once)
{
	char line[256], name[64];
	unsigned long long n, cpuid = 0;
	struct test_vm t;
	FILE *p;

	if (!test_dev_is_minikvm())
		SKIP(return, "minikvm-stat reads minikvm's debugfs tree; KVM has kvm_stat");
	ASSERT_EQ(0, test_vm_real_mode(&t, 0x1000, cpuid_guest_start,
				       cpuid_guest_end - cpuid_guest_start, 0, 0xff0));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_HLT, t.run->exit_reason);
	p = popen("minikvm-stat --once", "r");
	ASSERT_NE(NULL, p);
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "%63s %llu", name, &n) == 2 && !strcmp(name, "CPUID"))
			cpuid += n;
	EXPECT_EQ(0, pclose(p));
	EXPECT_EQ(NR_WORK, cpuid);
	test_vm_close(&t);
}

TEST(vm_dir_removed_on_close)
{
	struct test_vm t;
	struct stat st;
	char dir[256];

	ASSERT_EQ(0, test_vm_real_mode(&t, 0x1000, out_guest_start,
				       out_guest_end - out_guest_start, 0, 0xff0));
	ASSERT_EQ(0, test_stats_vm_dir(stats_root(), dir, sizeof(dir)));
	ASSERT_EQ(0, stat(dir, &st));
	test_vm_close(&t);
	EXPECT_EQ(-1, stat(dir, &st));
	EXPECT_EQ(ENOENT, errno);
}

MINIKVM_TEST_MAIN
