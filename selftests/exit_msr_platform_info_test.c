// SPDX-License-Identifier: GPL-2.0
/*
 * MSR_PLATFORM_INFO and KVM_CAP_MSR_PLATFORM_INFO (core/vm_cap.c,
 * vmx/exit_msr.c), the rules of Linux's platform_info_test: userspace
 * sets and reads the MSR at any time; the guest's RDMSR sees the value
 * unless the capability was set to 0 on the VM (the default is on), and
 * is a #GP then.
 *
 * The long-mode guest loops on RDMSR of MSR_PLATFORM_INFO, OUTing EAX
 * then EDX to PORT_VAL; a #GP is reported by guest_exc on PORT_EXC.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define PORT_VAL		0x41
#define MSR_PLATFORM_INFO	0xce
#define PLATFORM_INFO_TURBO	0xff00ull	/* max non-turbo ratio, 15:8 */

asm(GUEST_ASM_BEGIN(pinfo_guest, ".code64")
	"1: movl $0xce, %ecx\n"
	"rdmsr\n"
	"movl %edx, %edi\n"
	"movw $0x41, %dx\n"
	"outl %eax, %dx\n"
	"movl %edi, %eax\n"
	"outl %eax, %dx\n"
	"jmp 1b\n"
	GUEST_ASM_END(pinfo_guest));
GUEST_CODE(pinfo_guest);

static int enable_pinfo(struct kvm_vm *vm, uint64_t on)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MSR_PLATFORM_INFO, .args = { on },
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

/* The guest's next RDMSR: 0 and *val, or the exception vector. */
static int guest_read(struct kvm_vcpu *vcpu, uint64_t *val)
{
	struct kvm_run *run = vcpu->run;
	uint32_t lo;

	vcpu_run(vcpu);
	TEST_ASSERT(run->exit_reason == KVM_EXIT_IO, "exit %u", run->exit_reason);
	if (run->io.port == PORT_EXC)
		return *(uint32_t *)io_data(vcpu);
	TEST_ASSERT(run->io.port == PORT_VAL, "port 0x%x", run->io.port);
	lo = *(uint32_t *)io_data(vcpu);
	*val = lo | (uint64_t)vcpu_run_until_out(vcpu, PORT_VAL) << 32;
	return 0;
}

static struct kvm_vcpu *pinfo_vcpu(struct kvm_vm *vm)
{
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);

	vm_load_guest(vm, CODE_GPA, pinfo_guest);
	vcpu_setup_long(vcpu, CODE_GPA);
	vcpu_setup_long_idt(vcpu);
	return vcpu;
}

TEST(platform_info_cap_and_index_list)
{
	int dev = test_open_dev();
	struct {
		struct kvm_msr_list l;
		uint32_t more[512];
	} list = { .l.nmsrs = 512 };
	unsigned int i, found = 0;

	EXPECT_EQ(1, ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_MSR_PLATFORM_INFO));
	ASSERT_EQ(0, ioctl(dev, KVM_GET_MSR_INDEX_LIST, &list));
	for (i = 0; i < list.l.nmsrs; i++)
		found += list.l.indices[i] == MSR_PLATFORM_INFO;
	EXPECT_EQ(1, found);
	close(dev);
}

TEST(guest_reads_unless_disabled)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = pinfo_vcpu(vm);
	uint64_t orig, val = 0;

	ASSERT_EQ(1, vcpu_get_msr(vcpu, MSR_PLATFORM_INFO, &orig));
	ASSERT_EQ(1, vcpu_set_msr(vcpu, MSR_PLATFORM_INFO, orig | PLATFORM_INFO_TURBO));
	ASSERT_EQ(1, vcpu_get_msr(vcpu, MSR_PLATFORM_INFO, &val));
	EXPECT_EQ(orig | PLATFORM_INFO_TURBO, val);

	/* Off, then on again: the guest reads what userspace set. */
	ASSERT_EQ(0, enable_pinfo(vm, 0));
	ASSERT_EQ(0, enable_pinfo(vm, 2));
	val = 0;
	EXPECT_EQ(0, guest_read(vcpu, &val));
	EXPECT_EQ(orig | PLATFORM_INFO_TURBO, val);
	EXPECT_EQ(0, guest_read(vcpu, &val));

	/* Off: the next RDMSR is a #GP. */
	ASSERT_EQ(0, enable_pinfo(vm, 0));
	EXPECT_EQ(13, guest_read(vcpu, &val));
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(guest_reads_by_default)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = pinfo_vcpu(vm);
	uint64_t val = 1, host;

	ASSERT_EQ(1, vcpu_get_msr(vcpu, MSR_PLATFORM_INFO, &host));
	EXPECT_EQ(0, guest_read(vcpu, &val));
	EXPECT_EQ(host, val);
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
