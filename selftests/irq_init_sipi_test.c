// SPDX-License-Identifier: GPL-2.0
/*
 * SMP bring-up with INIT and SIPI, the way a VMM that never calls
 * KVM_SET_MP_STATE boots a guest (irq/posted.c, core/vcpu.c): every vCPU
 * starts at one real-mode entry point; the application processors wait
 * (KVM_MP_STATE_UNINITIALIZED, KVM_RUN blocks then returns -EAGAIN) until
 * the BSP, the only runnable vCPU, sends INIT then SIPI to all but
 * itself. Each AP starts at the SIPI vector's page, the same entry, finds
 * it is not the BSP (IA32_APIC_BASE.BSP), counts itself and halts. The
 * BSP reports the count: every AP, exactly once. With 2 and 4 vCPUs.
 *
 * The BSP reaches its LAPIC through x2APIC MSRs (real mode cannot reach
 * the xAPIC page); the APs keep xAPIC mode. The BSP's wait makes a CPUID
 * exit each round: in the Bochs test VM a guest spinning without exits
 * stalls the L1 kernel's timer (vmx_run_signal_test.c), and with one CPU
 * the APs' threads would never run.
 */
#include "minikvm_test.h"
#include "kvm_util.h"
#include "lapic_util.h"
#include "smp_util.h"

#define SIPI_VECTOR	(CODE_GPA >> 12)

asm(GUEST_ASM_BEGIN(sipi_guest, ".code16")
	"mov $0x1b, %ecx\n"
	"rdmsr\n"
	"test $0x100, %eax\n"			/* BSP? */
	"jz sipi_guest_ap\n"
	"or $0xc00, %eax\n"
	"wrmsr\n"				/* x2APIC mode */
	"xor %edx, %edx\n"
	"mov $0x830, %ecx\n"
	"mov $0xc4500, %eax\n"			/* INIT, all but self */
	"wrmsr\n"
	"mov $0xc4610, %eax\n"			/* SIPI 0x10, all but self */
	"wrmsr\n"
	"1: xor %eax, %eax\n cpuid\n"		/* an exit: see below */
	"mov 0x8008, %eax\n"
	"cmp %eax, 0x8000\n"
	"jb 1b\n"
	"mov $200, %si\n"
	"2: xor %eax, %eax\n cpuid\n"		/* room for a second start */
	"dec %si\n jnz 2b\n"
	"mov 0x8000, %eax\n out %eax, $0x10\n"
	"3: out %eax, $0x11\n jmp 3b\n"
	"sipi_guest_ap:\n"
	"lock incl 0x8000\n"
	"cli\n"
	"4: hlt\n jmp 4b\n"
	GUEST_ASM_END(sipi_guest));
GUEST_CODE(sipi_guest);

static void bring_up(struct __test_metadata *_metadata, int n)
{
	struct kvm_vm *vm = vm_create_split();
	struct kvm_vcpu *bsp = vcpu_create(vm, 0);
	struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(vm->dev_fd);
	struct smp_vcpu ap[4] = {};
	int i;

	vm_load_guest(vm, CODE_GPA, sipi_guest);
	*(uint32_t *)vm_gpa(vm, 0x8008) = n - 1;
	cpuid_find(cpuid, 1, 0)->ecx |= 1u << 21;	/* x2APIC */
	vcpu_set_cpuid(bsp, cpuid);
	vcpu_setup_real(bsp, CODE_GPA);
	for (i = 1; i < n; i++) {
		ap[i].vcpu = vcpu_create(vm, i);
		ap[i].cpu = -1;
		vcpu_set_cpuid(ap[i].vcpu, cpuid);
		EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, vcpu_mp_state(ap[i].vcpu));
		/* As a VMM runs an AP: KVM_RUN again after -EAGAIN. */
		ASSERT_EQ(0, smp_start(&ap[i]));
	}
	EXPECT_EQ((uint32_t)n - 1, vcpu_run_until_out(bsp, PORT_RESULT));
	vcpu_run_until_out(bsp, SMP_PORT_DONE);
	for (i = 1; i < n; i++) {
		smp_stop(&ap[i]);
		EXPECT_EQ(0, ap[i].error) TH_LOG("AP %d", i);
		/* Waiting for INIT, then for SIPI: KVM_RUN said -EAGAIN at least once. */
		EXPECT_LE(1, ap[i].eagain) TH_LOG("AP %d", i);
		vcpu_free(ap[i].vcpu);
	}
	free(cpuid);
	vcpu_free(bsp);
	vm_free(vm);
}

TEST(two_vcpus)
{
	bring_up(_metadata, 2);
}

TEST(four_vcpus)
{
	bring_up(_metadata, 4);
}

MINIKVM_TEST_MAIN
