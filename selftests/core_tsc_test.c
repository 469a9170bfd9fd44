// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's TSC (core/tsc.c): IA32_TSC and IA32_TSC_ADJUST as the
 * guest and the VMM move them, the rules of Linux's tsc_msrs_test, and
 * the vCPU attribute KVM_VCPU_TSC_OFFSET of system_counter_offset_test.
 * Values are compared in units of 2^30 ticks, rounded to the nearest and
 * signed, so that the ticks between two reads do not matter.
 *
 * The long-mode guest, at each OUT to PORT_SYNC, takes a command from
 * the host in RDI/RSI: 1 WRMSR(RSI = index, RDX:RAX), 2 RDMSR(RSI) and
 * OUT of EAX then EDX, 3 RDTSC and the same OUTs.
 */
#include <sys/ioctl.h>
#include <x86intrin.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define PORT_SYNC	0x42
#define PORT_VAL	0x41
#define MSR_TSC		0x10
#define MSR_TSC_ADJUST	0x3b
#define UNITY		(1ull << 30)
#define HOST_ADJUST	(UNITY * 64)
#define HOST_UNITS	64

asm(GUEST_ASM_BEGIN(tsc_guest, ".code64")
	"1: outl %eax, $0x42\n"
	"cmpq $1, %rdi\n"
	"je 2f\n"
	"cmpq $2, %rdi\n"
	"je 3f\n"
	"rdtsc\n"
	"jmp 4f\n"
	"2: movl %esi, %ecx\n"
	"movq %r8, %rax\n"
	"movq %r8, %rdx\n"
	"shrq $32, %rdx\n"
	"wrmsr\n"
	"jmp 1b\n"
	"3: movl %esi, %ecx\n"
	"rdmsr\n"
	"4: movl %edx, %ebx\n"
	"outl %eax, $0x41\n"
	"movl %ebx, %eax\n"
	"outl %eax, $0x41\n"
	"jmp 1b\n"
	GUEST_ASM_END(tsc_guest));
GUEST_CODE(tsc_guest);

static void command(struct kvm_vcpu *vcpu, uint64_t cmd, uint64_t index, uint64_t val)
{
	struct kvm_regs regs;

	vcpu_run_until_out(vcpu, PORT_SYNC);
	vcpu_get_regs(vcpu, &regs);
	regs.rdi = cmd;
	regs.rsi = index;
	regs.r8 = val;
	vcpu_set_regs(vcpu, &regs);
}

/* @v in units of UNITY, rounded to the nearest. */
static int64_t units(uint64_t v)
{
	return (int64_t)(v + UNITY / 2) >> 30;
}

static int64_t guest_read(struct kvm_vcpu *vcpu, uint32_t index)
{
	uint64_t lo;

	command(vcpu, index ? 2 : 3, index, 0);
	lo = vcpu_run_until_out(vcpu, PORT_VAL);
	return units(lo | (uint64_t)vcpu_run_until_out(vcpu, PORT_VAL) << 32);
}

static void guest_write(struct kvm_vcpu *vcpu, uint32_t index, uint64_t val)
{
	command(vcpu, 1, index, val);
}

static int64_t host_read(struct kvm_vcpu *vcpu, uint32_t index)
{
	uint64_t v = 0;

	TEST_ASSERT(vcpu_get_msr(vcpu, index, &v) == 1, "KVM_GET_MSRS %#x", index);
	return units(v);
}

static struct kvm_vcpu *tsc_vcpu(struct kvm_vm *vm)
{
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid(vm->dev_fd);

	vcpu_set_cpuid(vcpu, c);
	free(c);
	vm_load_guest(vm, CODE_GPA, tsc_guest);
	vcpu_setup_long(vcpu, CODE_GPA);
	return vcpu;
}

/*
 * KVM matches TSC writes made close together to one another (its TSC
 * synchronization) when the host's TSC is not stable, as on the debug
 * kernel, where its figures moved by whole units: compared there on
 * minikvm only, which never rewrites a write.
 */
static bool kvm_tsc_sync_in_play(void)
{
	return !test_dev_is_minikvm() && test_debug_kernel();
}

TEST(tsc_and_adjust)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	int64_t val = 1;

	if (kvm_tsc_sync_in_play())
		SKIP(return, "KVM's TSC synchronization on an unstable host TSC (debug kernel)");
	vm = vm_create(GUEST_MEM_SIZE);
	vcpu = tsc_vcpu(vm);

	/* A new vCPU's TSC starts near 0. */
	EXPECT_EQ(0, host_read(vcpu, MSR_TSC));
	EXPECT_EQ(0, host_read(vcpu, MSR_TSC_ADJUST));

	/* Guest: a TSC write moves TSC_ADJUST by as much. */
	guest_write(vcpu, MSR_TSC, val * UNITY);
	EXPECT_EQ(val, guest_read(vcpu, MSR_TSC));
	EXPECT_EQ(val, guest_read(vcpu, MSR_TSC_ADJUST));

	/* Guest: a TSC_ADJUST write moves the TSC by the change. */
	val = 2;
	guest_write(vcpu, MSR_TSC_ADJUST, val * UNITY);
	EXPECT_EQ(val, guest_read(vcpu, MSR_TSC));
	EXPECT_EQ(val, guest_read(vcpu, MSR_TSC_ADJUST));

	/* Host: a TSC write (a restore) leaves TSC_ADJUST alone. */
	ASSERT_EQ(1, vcpu_set_msr(vcpu, MSR_TSC, HOST_ADJUST + val * UNITY));
	EXPECT_EQ(HOST_UNITS + val, host_read(vcpu, MSR_TSC));
	EXPECT_EQ(val, host_read(vcpu, MSR_TSC_ADJUST));
	EXPECT_EQ(HOST_UNITS + val, guest_read(vcpu, MSR_TSC));

	/* Host: a TSC_ADJUST write leaves the TSC alone. */
	ASSERT_EQ(1, vcpu_set_msr(vcpu, MSR_TSC_ADJUST, 123456 * UNITY));
	EXPECT_EQ(HOST_UNITS + val, host_read(vcpu, MSR_TSC));
	EXPECT_EQ(123456, host_read(vcpu, MSR_TSC_ADJUST));
	ASSERT_EQ(1, vcpu_set_msr(vcpu, MSR_TSC_ADJUST, val * UNITY));

	/* Guest: TSC_ADJUST writes keep the host's part of the offset. */
	val = 3;
	guest_write(vcpu, MSR_TSC_ADJUST, val * UNITY);
	EXPECT_EQ(HOST_UNITS + val, guest_read(vcpu, MSR_TSC));
	EXPECT_EQ(val, guest_read(vcpu, MSR_TSC_ADJUST));

	/* Guest: a TSC write shows the host's part in TSC_ADJUST. */
	val = 4;
	guest_write(vcpu, MSR_TSC, val * UNITY);
	EXPECT_EQ(val, guest_read(vcpu, MSR_TSC));
	EXPECT_EQ(val - HOST_UNITS, guest_read(vcpu, MSR_TSC_ADJUST));
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(tsc_offset_attribute)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	uint64_t offset = 0, want = -(uint64_t)__rdtsc() + 1000 * UNITY;
	struct kvm_device_attr attr = {
		.group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET,
		.addr = (uintptr_t)&offset,
	};
	struct kvm_device_attr bad = attr;

	if (kvm_tsc_sync_in_play())
		SKIP(return, "KVM's TSC synchronization on an unstable host TSC (debug kernel)");
	vm = vm_create(GUEST_MEM_SIZE);
	vcpu = tsc_vcpu(vm);
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_HAS_DEVICE_ATTR, &attr));
	bad.attr = 1;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_HAS_DEVICE_ATTR, &bad));
	EXPECT_EQ(ENXIO, errno);
	bad = attr;
	bad.group = 7;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_GET_DEVICE_ATTR, &bad));
	EXPECT_EQ(ENXIO, errno);
	bad = attr;
	bad.addr = 8;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_DEVICE_ATTR, &bad));
	EXPECT_EQ(EFAULT, errno);

	offset = want;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_DEVICE_ATTR, &attr));
	offset = 0;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_DEVICE_ATTR, &attr));
	EXPECT_EQ(want, offset);
	/* The guest's TSC is the host's plus the offset: about 1000 units. */
	EXPECT_EQ(1000, guest_read(vcpu, 0));
	EXPECT_EQ(1000, host_read(vcpu, MSR_TSC));
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
