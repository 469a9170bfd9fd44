// SPDX-License-Identifier: GPL-2.0
/*
 * The load-time VMX probe (vmx/capability.c): what minikvm reports through
 * MINIKVM_GET_VMX_INFO must be what the CPU's MSRs say, read independently
 * through /dev/cpu/N/msr. On /dev/kvm the minikvm-only ioctl must get
 * KVM's answer to an unknown ioctl (-EINVAL) and the MSR checks are
 * skipped: Documentation/ioctl.rst lists the extension.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "minikvm_test.h"
#include "uapi/minikvm.h"

#define MSR_IA32_FEAT_CTL	0x3a
#define MSR_IA32_VMX_BASIC	0x480
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48c

static bool cpuinfo_has_flag(const char *flag)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *tok;

		if (strncmp(line, "flags", 5))
			continue;
		for (tok = strtok(line, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
			if (!strcmp(tok, flag))
				found = true;
	}
	fclose(f);
	return found;
}

TEST(cpu_has_vmx)
{
	ASSERT_TRUE(cpuinfo_has_flag("vmx"));
}

TEST(device_node)
{
	struct stat st;

	ASSERT_EQ(0, stat(test_dev_path, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	/* minikvm's default is root-only; see the dev_mode module parameter. */
	if (test_dev_is_minikvm())
		EXPECT_EQ(0600u, st.st_mode & 07777);
}

FIXTURE(vmx_info) {
	struct minikvm_vmx_info info;
	int fd;
	bool skip;	/* the harness runs the test after a SKIP in setup */
};

FIXTURE_SETUP(vmx_info)
{
	int ret;

	self->fd = test_open_dev();
	memset(&self->info, 0xa5, sizeof(self->info));
	ret = ioctl(self->fd, MINIKVM_GET_VMX_INFO, &self->info);
	self->skip = ret && errno == EINVAL && !test_dev_is_minikvm();
	if (self->skip)
		SKIP(return, "MINIKVM_GET_VMX_INFO is a minikvm extension (KVM: EINVAL)");
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(vmx_info)
{
	close(self->fd);
}

TEST_F(vmx_info, basic_matches_msr)
{
	unsigned long long basic;

	if (self->skip)
		return;
	ASSERT_EQ(0, test_read_msr(0, MSR_IA32_VMX_BASIC, &basic));
	EXPECT_EQ(basic, self->info.basic);
	EXPECT_EQ((__u32)(basic & 0x7fffffff), self->info.revision_id);
	EXPECT_EQ((__u32)((basic >> 32) & 0x1fff), self->info.vmcs_size);
	EXPECT_EQ(!!(basic & (1ull << 55)),
		  !!(self->info.features & MINIKVM_VMX_TRUE_CTLS));
}

TEST_F(vmx_info, feature_control_locked_and_enabled)
{
	unsigned long long fc;

	if (self->skip)
		return;
	ASSERT_EQ(0, test_read_msr(0, MSR_IA32_FEAT_CTL, &fc));
	EXPECT_EQ(fc, self->info.feature_control);
	EXPECT_EQ(5ull, fc & 5);	/* lock (bit 0) + VMX outside SMX (bit 2) */
}

TEST_F(vmx_info, ept_and_vpid_match_msrs)
{
	unsigned long long proc2, cap;

	if (self->skip)
		return;
	ASSERT_EQ(0, test_read_msr(0, MSR_IA32_VMX_PROCBASED_CTLS2, &proc2));
	ASSERT_EQ(0, test_read_msr(0, MSR_IA32_VMX_EPT_VPID_CAP, &cap));
	EXPECT_EQ(proc2, self->info.procbased2);
	EXPECT_EQ(cap, self->info.ept_vpid_cap);
	/* minikvm refuses to load without EPT and unrestricted guest. */
	EXPECT_TRUE(self->info.features & MINIKVM_VMX_EPT);
	EXPECT_TRUE(self->info.features & MINIKVM_VMX_UNRESTRICTED_GUEST);
	EXPECT_EQ(!!(proc2 & (1ull << (32 + 5))), !!(self->info.features & MINIKVM_VMX_VPID));
	EXPECT_EQ(!!(cap & (1ull << 16)), !!(self->info.features & MINIKVM_VMX_EPT_2MB));
	EXPECT_EQ(!!(cap & (1ull << 21)), !!(self->info.features & MINIKVM_VMX_EPT_AD));
	/* Secondary control bit 10: PAUSE-loop exiting. */
	EXPECT_EQ(!!(proc2 & (1ull << (32 + 10))), !!(self->info.features & MINIKVM_VMX_PAUSE_LOOP));
}

/* A minikvm module parameter: Y/N as 1/0, an int as itself; @def if unreadable. */
static int module_param_int(const char *name, int def)
{
	char path[128], buf[16] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/minikvm/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return def;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	if (buf[0] == 'Y' || buf[0] == 'N')
		return buf[0] == 'Y';
	return buf[0] ? atoi(buf) : def;
}

/*
 * The APIC virtualization minikvm reports (vmx/vmcs_config.c) against the
 * raw controls it reports: each level only where the CPU allows its bit
 * and the level below is on, and each level the CPU and the parameters
 * allow is taken. Virtual-interrupt delivery by default only with
 * posted-interrupt processing (enable_vid=-1), which needs the exit's
 * interrupt acknowledgement, required of every CPU; register, x2APIC and
 * xAPIC-page virtualization with virtual-interrupt delivery.
 */
TEST_F(vmx_info, apicv_matches_controls)
{
	bool tpr = self->info.procbased >> 32 & (1ull << 21);
	bool vid = self->info.procbased2 >> 32 & (1ull << 9);
	bool pi = self->info.pinbased >> 32 & (1ull << 7);
	int want_vid = module_param_int("enable_vid", -1);
	__u32 a = self->info.apicv;

	if (self->skip)
		return;
	EXPECT_TRUE(self->info.exit >> 32 & (1ull << 15));
	if (!module_param_int("enable_apicv", 1) || !tpr) {
		EXPECT_EQ(0u, a);
		return;
	}
	EXPECT_TRUE(a & MINIKVM_APICV_TPR_SHADOW);
	EXPECT_EQ(vid && (want_vid > 0 || (want_vid < 0 && pi)), !!(a & MINIKVM_APICV_VID));
	EXPECT_EQ(!!(a & MINIKVM_APICV_VID) && pi, !!(a & MINIKVM_APICV_POSTED));
	/*
	 * Secondary bits 8, 0 and 4: APIC-register virtualization,
	 * virtualize APIC accesses, virtualize x2APIC mode.
	 */
	EXPECT_EQ(!!(a & MINIKVM_APICV_VID) && (self->info.procbased2 >> 32 & (1ull << 8)),
		  !!(a & MINIKVM_APICV_REG_VIRT));
	EXPECT_EQ(!!(a & MINIKVM_APICV_REG_VIRT) && (self->info.procbased2 >> 32 & (1ull << 0)),
		  !!(a & MINIKVM_APICV_APIC_ACCESS));
	EXPECT_EQ(!!(a & MINIKVM_APICV_VID) && module_param_int("enable_x2apic_virt", 1) &&
		  (self->info.procbased2 >> 32 & (1ull << 4)), !!(a & MINIKVM_APICV_X2APIC));
	printf("# apicv %#x: tpr_shadow %d vid %d posted_intr %d offered\n", a, tpr, vid, pi);
}

TEST_F(vmx_info, every_cpu_probed)
{
	if (self->skip)
		return;
	EXPECT_EQ((__u32)sysconf(_SC_NPROCESSORS_ONLN), self->info.nr_cpus);
	for (unsigned int i = 0; i < sizeof(self->info.reserved) / 8; i++)
		EXPECT_EQ(0ull, self->info.reserved[i]);
}

MINIKVM_TEST_MAIN
