// SPDX-License-Identifier: GPL-2.0
/*
 * XSAVE for a guest only where the host kernel has it (core/cpuid.c,
 * vmx/cr.c mvmx_guest_has_xsave(), vmx/exit_xsetbv.c). A kernel may turn
 * XSAVE off at boot (the Skylake-X model of the Bochs test VM makes it
 * do so); it then runs with CR4.OSXSAVE clear, where XGETBV and XSETBV
 * are #UD in the host too.
 *
 * - KVM_GET_SUPPORTED_CPUID has CPUID.1:ECX.XSAVE exactly when the host
 *   kernel has XSAVE ("xsave" in /proc/cpuinfo), and without it neither
 *   OSXSAVE nor AVX.
 * - With XSAVE taken out of the vCPU's CPUID, CR4.OSXSAVE is reserved as
 *   on KVM: KVM_SET_SREGS refuses it with EINVAL and a guest MOV to CR4
 *   setting it gets #GP; a guest XSETBV (CR4.OSXSAVE clear) gets #UD. The
 *   guest's IDT (guest_exc.c) reports the vector on PORT_EXC, and the
 *   host lives on to report it.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define CPUID1_ECX_XSAVE	(1u << 26)
#define CPUID1_ECX_OSXSAVE	(1u << 27)
#define CPUID1_ECX_AVX		(1u << 28)
#define CR4_OSXSAVE		(1ull << 18)
#define UD_VECTOR		6
#define GP_VECTOR		13

/* Set CR4.OSXSAVE, then XCR0 = x87|SSE; OUT 1 to PORT_RESULT if both worked. */
asm(GUEST_ASM_BEGIN(osxsave_guest, ".code64")
	"movq %cr4, %rax\n"
	"orq $0x40000, %rax\n"
	"movq %rax, %cr4\n"
	"xorl %ecx, %ecx\n"
	"xorl %edx, %edx\n"
	"movl $3, %eax\n"
	"xsetbv\n"
	"movl $1, %eax\n"
	"outl %eax, $0x10\n"
	"1: hlt\n"
	"jmp 1b\n"
	GUEST_ASM_END(osxsave_guest));
GUEST_CODE(osxsave_guest);

/* XSETBV with CR4.OSXSAVE clear. */
asm(GUEST_ASM_BEGIN(xsetbv_guest, ".code64")
	"xorl %ecx, %ecx\n"
	"xorl %edx, %edx\n"
	"movl $1, %eax\n"
	"xsetbv\n"
	"movl $1, %eax\n"
	"outl %eax, $0x10\n"
	"1: hlt\n"
	"jmp 1b\n"
	GUEST_ASM_END(xsetbv_guest));
GUEST_CODE(xsetbv_guest);

/* "xsave" among the flags of /proc/cpuinfo: the host kernel uses XSAVE. */
static bool host_has_xsave(void)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	TEST_ASSERT(f, "open /proc/cpuinfo");
	while (!found && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5))
			found = strstr(line, " xsave ") || strstr(line, " xsave\n");
	fclose(f);
	return found;
}

FIXTURE(xsave) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_cpuid2 *cpuid;
};

/* A long-mode vCPU with an IDT and the supported CPUID minus XSAVE. */
FIXTURE_SETUP(xsave)
{
	struct kvm_cpuid_entry2 *e;

	self->vm = vm_create(GUEST_MEM_SIZE);
	self->vcpu = vcpu_create(self->vm, 0);
	self->cpuid = kvm_get_supported_cpuid(self->vm->dev_fd);
	e = cpuid_find(self->cpuid, 1, 0);
	ASSERT_NE(NULL, e);
	e->ecx &= ~(CPUID1_ECX_XSAVE | CPUID1_ECX_OSXSAVE | CPUID1_ECX_AVX);
	vcpu_set_cpuid(self->vcpu, self->cpuid);
}

FIXTURE_TEARDOWN(xsave)
{
	free(self->cpuid);
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

/* Run the guest at CODE_GPA to its first OUT; the vector, or -1 for none. */
static int run_for_vector(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run(vcpu);
	TEST_ASSERT(run->exit_reason == KVM_EXIT_IO &&
		    (run->io.port == PORT_EXC || run->io.port == PORT_RESULT),
		    "expected OUT, exit %s port 0x%x",
		    exit_reason_str(run->exit_reason), run->io.port);
	return run->io.port == PORT_EXC ? (int)*(uint32_t *)io_data(vcpu) : -1;
}

TEST(supported_cpuid_xsave_follows_host)
{
	int dev = test_open_dev();
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid(dev);
	struct kvm_cpuid_entry2 *e = cpuid_find(c, 1, 0);
	bool host = host_has_xsave();

	ASSERT_NE(NULL, e);
	EXPECT_EQ(host, !!(e->ecx & CPUID1_ECX_XSAVE));
	if (!host) {
		EXPECT_EQ(0, e->ecx & CPUID1_ECX_OSXSAVE);
		EXPECT_EQ(0, e->ecx & CPUID1_ECX_AVX);
	}
	free(c);
	close(dev);
}

TEST_F(xsave, sregs_osxsave_needs_cpuid_xsave)
{
	struct kvm_sregs sregs;

	vcpu_setup_long(self->vcpu, CODE_GPA);
	vcpu_get_sregs(self->vcpu, &sregs);
	sregs.cr4 |= CR4_OSXSAVE;
	EXPECT_EQ(-1, ioctl(self->vcpu->fd, KVM_SET_SREGS, &sregs));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(xsave, guest_osxsave_without_cpuid_xsave_gets_gp)
{
	vm_load_guest(self->vm, CODE_GPA, osxsave_guest);
	vcpu_setup_long(self->vcpu, CODE_GPA);
	vcpu_setup_long_idt(self->vcpu);
	EXPECT_EQ(GP_VECTOR, run_for_vector(self->vcpu));
}

TEST_F(xsave, guest_xsetbv_without_cpuid_xsave_gets_ud)
{
	vm_load_guest(self->vm, CODE_GPA, xsetbv_guest);
	vcpu_setup_long(self->vcpu, CODE_GPA);
	vcpu_setup_long_idt(self->vcpu);
	EXPECT_EQ(UD_VECTOR, run_for_vector(self->vcpu));
}

MINIKVM_TEST_MAIN
