// SPDX-License-Identifier: GPL-2.0
/*
 * kvmclock (core/kvmclock.c): KVM_GET_CLOCK and KVM_SET_CLOCK on the VM,
 * KVM_CAP_ADJUST_CLOCK, and the pvclock page a guest gets by writing
 * MSR_KVM_SYSTEM_TIME_NEW, the rules of Linux's kvm_clock_test.
 *
 * The long-mode guest enables the page at PVTI_GPA, then loops: RDTSC,
 * OUT of EAX then EDX to PORT_TSC. The host computes the kvmclock the
 * guest would read at that TSC from the page, and finds it between
 * KVM_GET_CLOCK before and after the KVM_RUN.
 *
 * Also KVM's paravirtual CPUID leaves and KVM_CAP_ENFORCE_PV_FEATURE_CPUID
 * (core/vcpu_cap.c), as Linux's kvm_pv_test: once enforced, a kvmclock
 * MSR the vCPU's CPUID does not offer is #GP for the guest and refused
 * to the VMM.
 */
#include <sys/ioctl.h>
#include <time.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define PORT_TSC		0x41
#define PVTI_GPA		DATA_GPA
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01
#define CLOCK_WANTED		(KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC)

/* struct pvclock_vcpu_time_info, the guest-visible ABI. */
struct pvti {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
};

asm(GUEST_ASM_BEGIN(clock_guest, ".code64")
	"movl $0x4b564d01, %ecx\n"
	"movl $0x8001, %eax\n"		/* PVTI_GPA | enable */
	"xorl %edx, %edx\n"
	"wrmsr\n"
	"1: rdtsc\n"
	"movl %edx, %edi\n"
	"movw $0x41, %dx\n"
	"outl %eax, %dx\n"
	"movl %edi, %eax\n"
	"outl %eax, %dx\n"
	"jmp 1b\n"
	GUEST_ASM_END(clock_guest));
GUEST_CODE(clock_guest);

/* The guest's kvmclock at its TSC @tsc, as the pvclock ABI computes it. */
static uint64_t pvti_read(const struct pvti *p, uint64_t tsc)
{
	uint64_t delta = tsc - p->tsc_timestamp;

	if (p->tsc_shift < 0)
		delta >>= -p->tsc_shift;
	else
		delta <<= p->tsc_shift;
	return p->system_time + (uint64_t)(((__uint128_t)delta * p->tsc_to_system_mul) >> 32);
}

static uint64_t guest_tsc(struct kvm_vcpu *vcpu)
{
	uint64_t lo = vcpu_run_until_out(vcpu, PORT_TSC);

	return lo | (uint64_t)vcpu_run_until_out(vcpu, PORT_TSC) << 32;
}

static int get_clock(struct kvm_vm *vm, struct kvm_clock_data *d)
{
	memset(d, 0, sizeof(*d));
	return ioctl(vm->fd, KVM_GET_CLOCK, d);
}

TEST(adjust_clock_cap)
{
	int dev = test_open_dev();

	EXPECT_EQ(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC,
		  ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_ADJUST_CLOCK));
	close(dev);
}

TEST(get_set_clock)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_clock_data a, b, set = { .clock = 1000ull * 1000 * 1000 * 1000 };

	ASSERT_EQ(0, get_clock(vm, &a));
	ASSERT_EQ(0, get_clock(vm, &b));
	EXPECT_LE(a.clock, b.clock);
	/* A new VM's clock starts near 0 (less than a minute here). */
	EXPECT_LT(a.clock, 60ull * 1000 * 1000 * 1000);

	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_CLOCK, &set));
	ASSERT_EQ(0, get_clock(vm, &a));
	EXPECT_GE(a.clock, set.clock);
	EXPECT_LT(a.clock, set.clock + 60ull * 1000 * 1000 * 1000);

	/* What KVM_GET_CLOCK returns, KVM_SET_CLOCK takes back. */
	EXPECT_EQ(0, ioctl(vm->fd, KVM_SET_CLOCK, &a));

	/* REALTIME: the time since then is added. */
	if (a.flags & KVM_CLOCK_REALTIME) {
		set.flags = KVM_CLOCK_REALTIME;
		set.clock = 0;
		set.realtime = a.realtime - 100ull * 1000 * 1000 * 1000;
		ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_CLOCK, &set));
		ASSERT_EQ(0, get_clock(vm, &b));
		EXPECT_GE(b.clock, 100ull * 1000 * 1000 * 1000);
	}

	/* Unknown flags: -EINVAL, and the clock stays. */
	ASSERT_EQ(0, get_clock(vm, &a));
	set.flags = 1u << 7;
	set.clock = 5;
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_CLOCK, &set));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, get_clock(vm, &b));
	EXPECT_GE(b.clock, a.clock);
	vm_free(vm);
}

/* kvm_clock_test's shape: the guest's clock lies between two host reads. */
TEST(guest_clock_between_host_reads)
{
	static const struct { uint64_t base; int64_t real_off; } cases[] = {
		{ 0, 0 },
		{ 180ull * 1000 * 1000 * 1000, 0 },
		{ 0, -180ll * 1000 * 1000 * 1000 },
		{ 0, 180ll * 1000 * 1000 * 1000 },
	};
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	const struct pvti *p = vm_gpa(vm, PVTI_GPA);
	struct kvm_clock_data start, end, set;
	unsigned int i;
	uint64_t tsc, now;

	vm_load_guest(vm, CODE_GPA, clock_guest);
	vcpu_setup_long(vcpu, CODE_GPA);
	/*
	 * Without a constant TSC behind the host's clock (the debug kernel's
	 * clocksource is not the TSC) KVM reports neither flag and its page
	 * is not a clock to compare with: as kvm_clock_test, only with them.
	 */
	ASSERT_EQ(0, get_clock(vm, &start));
	if ((start.flags & CLOCK_WANTED) != CLOCK_WANTED) {
		vcpu_free(vcpu);
		vm_free(vm);
		SKIP(return, "KVM_GET_CLOCK without REALTIME and HOST_TSC (flags %#x)",
		     start.flags);
	}
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct timespec ts;

		memset(&set, 0, sizeof(set));
		set.clock = cases[i].base;
		if (cases[i].real_off) {
			clock_gettime(CLOCK_REALTIME, &ts);
			set.flags = KVM_CLOCK_REALTIME;
			set.realtime = ts.tv_sec * 1000000000ull + ts.tv_nsec + cases[i].real_off;
		}
		ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_CLOCK, &set));
		ASSERT_EQ(0, get_clock(vm, &start));
		tsc = guest_tsc(vcpu);
		ASSERT_EQ(0, get_clock(vm, &end));
		EXPECT_EQ(CLOCK_WANTED, start.flags & CLOCK_WANTED);
		/* An even version: the page is complete. */
		EXPECT_EQ(0, p->version & 1);
		EXPECT_NE(0, p->version);
		EXPECT_NE(0, p->tsc_to_system_mul);
		now = pvti_read(p, tsc);
		EXPECT_LE(start.clock, now);
		EXPECT_GE(end.clock, now);
		if (now < start.clock || now > end.clock)
			TH_LOG("case %u: guest %llu not in [%llu, %llu]", i,
			       (unsigned long long)now, (unsigned long long)start.clock,
			       (unsigned long long)end.clock);
	}
	vcpu_free(vcpu);
	vm_free(vm);
}

#define KVM_CPUID_SIGNATURE	0x40000000
#define KVM_CPUID_FEATURES	0x40000001
#define KVM_FEATURE_CLOCKSOURCE2 3

asm(GUEST_ASM_BEGIN(pv_msr_guest, ".code64")
	"movl $0x4b564d01, %ecx\n"
	"rdmsr\n"
	"outl %eax, $0x41\n"
	"1: hlt\n"
	"jmp 1b\n"
	GUEST_ASM_END(pv_msr_guest));
GUEST_CODE(pv_msr_guest);

TEST(pv_cpuid_leaves)
{
	int dev = test_open_dev();
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid(dev);
	struct kvm_cpuid_entry2 *sig = cpuid_find(c, KVM_CPUID_SIGNATURE, 0);
	struct kvm_cpuid_entry2 *feat = cpuid_find(c, KVM_CPUID_FEATURES, 0);

	ASSERT_NE(NULL, sig);
	ASSERT_NE(NULL, feat);
	EXPECT_EQ(0, memcmp(&sig->ebx, "KVMK", 4));
	EXPECT_EQ(0, memcmp(&sig->ecx, "VMKV", 4));
	EXPECT_EQ(0, memcmp(&sig->edx, "M\0\0\0", 4));
	EXPECT_GE(sig->eax, KVM_CPUID_FEATURES);
	EXPECT_TRUE(feat->eax & (1u << KVM_FEATURE_CLOCKSOURCE2));
	EXPECT_EQ(1, ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_ENFORCE_PV_FEATURE_CPUID));
	free(c);
	close(dev);
}

/* The guest's RDMSR of MSR_KVM_SYSTEM_TIME_NEW: 0, or the fault's vector. */
static int pv_msr_case(bool enforce, bool offer, int *host_set)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid(vm->dev_fd);
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID, .args = { enforce },
	};
	struct kvm_cpuid_entry2 *feat = cpuid_find(c, KVM_CPUID_FEATURES, 0);
	int ret;

	TEST_ASSERT(feat, "no KVM_CPUID_FEATURES");
	if (!offer)
		feat->eax = 0;
	vcpu_set_cpuid(vcpu, c);
	free(c);
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_ENABLE_CAP, &cap), "KVM_ENABLE_CAP");
	*host_set = vcpu_set_msr(vcpu, MSR_KVM_SYSTEM_TIME_NEW, 0);
	vm_load_guest(vm, CODE_GPA, pv_msr_guest);
	vcpu_setup_long(vcpu, CODE_GPA);
	vcpu_setup_long_idt(vcpu);
	vcpu_run(vcpu);
	TEST_ASSERT(vcpu->run->exit_reason == KVM_EXIT_IO, "exit %u", vcpu->run->exit_reason);
	ret = vcpu->run->io.port == PORT_EXC ? *(int *)io_data(vcpu) : 0;
	vcpu_free(vcpu);
	vm_free(vm);
	return ret;
}

TEST(pv_features_enforced)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_enable_cap bad = { .cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID, .flags = 1 };
	int host_set;

	/* Flags, and a capability a vCPU does not take: -EINVAL. */
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_ENABLE_CAP, &bad));
	EXPECT_EQ(EINVAL, errno);
	bad.flags = 0;
	bad.cap = KVM_CAP_USER_MEMORY;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_ENABLE_CAP, &bad));
	EXPECT_EQ(EINVAL, errno);
	vcpu_free(vcpu);
	vm_free(vm);

	EXPECT_EQ(0, pv_msr_case(false, false, &host_set));
	EXPECT_EQ(1, host_set);
	EXPECT_EQ(0, pv_msr_case(true, true, &host_set));
	EXPECT_EQ(1, host_set);
	EXPECT_EQ(13, pv_msr_case(true, false, &host_set));
	EXPECT_EQ(0, host_set);
}

MINIKVM_TEST_MAIN
