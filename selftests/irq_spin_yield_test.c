// SPDX-License-Identifier: GPL-2.0
/*
 * Two vCPUs on ONE host CPU, the first spinning with PAUSE and IF=0 until
 * the second answers its IPI (Linux's csd_lock_wait() after an IPI does
 * exactly this): the answer needs the second vCPU's thread to run on the
 * host CPU the first one holds.
 *
 * The spinning vCPU never exits on its own, so only the host can give the
 * CPU away: on a host interrupt (a timer tick preempts the thread) or on a
 * PAUSE-loop exit (vmx/exit_insn.c, mvmx_handle_pause(): a directed yield
 * to the runnable vCPU thread, core/vcpu.c). In the Bochs test VM a guest
 * entered with IF=0 takes no host interrupt at all
 * (Documentation/testing.rst), so there the test hangs without PAUSE-loop
 * exiting and its time bound fails it; with it, each round costs one
 * PAUSE-loop exit and a yield. KVM in the same VM uses PAUSE-loop exiting
 * too (kvm_intel's ple_gap).
 *
 * ROUNDS IPIs, each answered by the second vCPU's handler counting it in
 * guest memory; both vCPU threads pinned to host CPU 0 (lib/smp_util.c).
 */
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "minikvm_test.h"
#include "kvm_util.h"
#include "lapic_util.h"
#include "smp_util.h"
#include "uapi/minikvm.h"

#define ROUNDS		100

asm(GUEST_ASM_BEGIN(spin_guest, ".code32")
	"mov $0xfee00000, %esi\n"
	"movl $0x1ff, 0xf0(%esi)\n"		/* SVR: APIC on */
	"mov 0x20(%esi), %ebx\n"
	"shr $24, %ebx\n"
	"test %ebx, %ebx\n"
	"jnz spin_guest_ap\n"
	/* The BSP: IF stays 0 throughout, and no loop below exits. */
	"1: pause\n cmpl $1, 0x8010\n jne 1b\n"	/* the AP is up */
	"mov 0x8008, %ecx\n"
	"2: mov 0x8004, %edx\n"
	"movl $0x01000000, 0x310(%esi)\n"
	"movl $0x4041, 0x300(%esi)\n"		/* fixed 0x41 to APIC 1 */
	"3: pause\n cmp 0x8004, %edx\n je 3b\n"
	"loop 2b\n"
	"mov 0x8004, %eax\n out %eax, $0x10\n"
	"4: out %eax, $0x11\n jmp 4b\n"
	"spin_guest_ap:\n"
	"sti\n"
	"movl $1, 0x8010\n"
	"5: hlt\n jmp 5b\n"
	"spin_guest_h41:\n"
	"incl 0x8004\n"
	"movl $0, 0xfee000b0\n"			/* EOI */
	"iret\n"
	GUEST_ASM_END(spin_guest));
GUEST_CODE(spin_guest);
extern const char spin_guest_h41[];

/* A module parameter as a number; 0 when it cannot be read. */
static long module_param_value(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = 0;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/*
 * Does the device under test use PAUSE-loop exiting? Without it, in the
 * Bochs test VM, the spinning vCPU would hold its host CPU for good.
 */
static bool device_uses_ple(void)
{
	struct minikvm_vmx_info info;
	bool cpu_has;
	int fd;

	if (!test_dev_is_minikvm())
		return module_param_value("/sys/module/kvm_intel/parameters/ple_gap") > 0;
	fd = test_open_dev();
	cpu_has = !ioctl(fd, MINIKVM_GET_VMX_INFO, &info) &&
		  (info.features & MINIKVM_VMX_PAUSE_LOOP);
	close(fd);
	return cpu_has && module_param_value("/sys/module/minikvm/parameters/ple_gap") > 0;
}

/* A fixture only for the time bound: Bochs may need minutes. */
FIXTURE(spin) {};
FIXTURE_SETUP(spin) {}
FIXTURE_TEARDOWN(spin) {}

TEST_F_TIMEOUT(spin, ipi_answered_on_one_host_cpu, 240)
{
	struct smp_vcpu v[2] = { { .cpu = 0 }, { .cpu = 0 } };	/* one host CPU */
	double secs;
	struct kvm_vm *vm;
	int i;

	if (!device_uses_ple())
		SKIP(return, "no PAUSE-loop exiting on this device (CPU or ple_gap=0)");
	vm = vm_create_split();
	for (i = 0; i < 2; i++)
		v[i].vcpu = vcpu_create(vm, i);
	vm_load_guest(vm, CODE_GPA, spin_guest);
	*(uint32_t *)vm_gpa(vm, 0x8008) = ROUNDS;
	idt32_set(vm, 0x41, guest_label_gpa(CODE_GPA, spin_guest, spin_guest_h41));
	for (i = 0; i < 2; i++)
		smp_setup_vcpu(v[i].vcpu);
	/* The AP would wait for INIT/SIPI; start it at the same code instead. */
	ASSERT_EQ(0, vcpu_set_mp_state(v[1].vcpu, KVM_MP_STATE_RUNNABLE));

	secs = smp_run(v, 2);
	ASSERT_LE(0, secs) TH_LOG("a vCPU thread did not start");
	TH_LOG("%u IPIs answered on one host CPU in %.1f s", ROUNDS, secs);

	EXPECT_EQ(0, v[0].error);
	EXPECT_EQ(0, v[1].error);
	ASSERT_EQ(1, v[0].nresults);
	EXPECT_EQ((uint32_t)ROUNDS, v[0].results[0]) TH_LOG("IPIs the second vCPU answered");
	vcpu_free(v[1].vcpu);
	vcpu_free(v[0].vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
