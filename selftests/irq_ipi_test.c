// SPDX-License-Identifier: GPL-2.0
/*
 * IPIs between two vCPUs with the LAPICs in the kernel
 * (irq/lapic_deliver.c, irq/posted.c), each vCPU on its own host thread
 * pinned to its own host CPU (the 2-CPU test VM):
 *
 *  - ROUNDS (10,000) fixed IPIs ping-ponged on minikvm; ROUNDS_KVM (500)
 *    on /dev/kvm, whose nested exits cost several times more in the Bochs
 *    test VM (on 2026-11-30 minikvm's 10,000 took 18 s of host time, KVM's
 *    500 took 8 s): the BSP sends vector 0x41 to APIC 1
 *    and spins until its pong (0x40) arrives; the AP sleeps in HLT (in
 *    the kernel) between pings. Both counts must be exactly ROUNDS: a lost
 *    IPI hangs the BSP (the test's time bound fails it), a doubled one
 *    shows in the counts;
 *  - the shorthands: all-including reaches both, all-but-self the AP
 *    only, self the BSP only; a logical flat destination reaches the LAPIC
 *    whose LDR bit it names; lowest priority to both reaches exactly one.
 *
 * The same count on both devices: KVM in Bochs has no posted interrupts
 * either, so it also posts in software and kicks with an IPI.
 */

#include "minikvm_test.h"
#include "kvm_util.h"
#include "lapic_util.h"
#include "smp_util.h"

#define ROUNDS		10000
#define ROUNDS_KVM	500

/*
 * A CPUID exit, registers kept: every wait loop makes one per round, as a
 * guest spinning without exits stalls the Bochs test VM's L1 timer
 * (vmx_run_signal_test.c).
 */
#define SPIN_EXIT "push %ecx\n push %edx\n push %ebx\n xor %eax, %eax\n cpuid\n" \
		  "pop %ebx\n pop %edx\n pop %ecx\n"

asm(GUEST_ASM_BEGIN(ipi_guest, ".code32")
	"mov $0xfee00000, %esi\n"
	"movl $0x1ff, 0xf0(%esi)\n"
	"mov 0x20(%esi), %ebx\n"
	"shr $24, %ebx\n"
	"mov %ebx, %ecx\n"
	"mov $0x01000000, %eax\n"
	"shl %cl, %eax\n"
	"mov %eax, 0xd0(%esi)\n"		/* LDR: flat, bit = APIC ID */
	"sti\n"
	"test %ebx, %ebx\n"
	"jnz ipi_guest_ap\n"
	"1: " SPIN_EXIT "cmpl $1, 0x8010\n jne 1b\n"	/* the AP is up */
	"mov 0x8008, %ecx\n"
	"2: mov 0x8000, %edx\n"
	"movl $0x01000000, 0x310(%esi)\n"
	"movl $0x4041, 0x300(%esi)\n"		/* ping: fixed 0x41 to APIC 1 */
	"3: " SPIN_EXIT "cmp 0x8000, %edx\n je 3b\n"
	"loop 2b\n"
	"mov 0x8000, %eax\n out %eax, $0x10\n"
	"mov 0x8004, %eax\n out %eax, $0x10\n"
	"movl $0x84042, 0x300(%esi)\n"		/* all including self */
	"4: " SPIN_EXIT "cmpl $1, 0x8024\n jne 4b\n cmpl $1, 0x8020\n jne 4b\n"
	"movl $0xc4042, 0x300(%esi)\n"		/* all but self */
	"5: " SPIN_EXIT "cmpl $2, 0x8024\n jne 5b\n"
	"movl $0x44042, 0x300(%esi)\n"		/* self */
	"6: " SPIN_EXIT "cmpl $2, 0x8020\n jne 6b\n"
	"movl $0x02000000, 0x310(%esi)\n"
	"movl $0x4842, 0x300(%esi)\n"		/* logical flat, LDR bit 1 */
	"7: " SPIN_EXIT "cmpl $3, 0x8024\n jne 7b\n"
	"movl $0x03000000, 0x310(%esi)\n"
	"movl $0x4943, 0x300(%esi)\n"		/* lowest priority among both */
	"8: " SPIN_EXIT "cmpl $1, 0x8030\n jne 8b\n"
	"mov $200, %edi\n"
	"9: " SPIN_EXIT "dec %edi\n jnz 9b\n"	/* time for a wrong second one */
	"mov 0x8020, %eax\n out %eax, $0x10\n"
	"mov 0x8024, %eax\n out %eax, $0x10\n"
	"mov 0x8030, %eax\n out %eax, $0x10\n"
	"10: out %eax, $0x11\n jmp 10b\n"
	"ipi_guest_ap:\n"
	"movl $1, 0x8010\n"
	"11: hlt\n jmp 11b\n"
	"ipi_guest_h40:\n"
	"incl 0x8000\n"
	"movl $0, 0xfee000b0\n"
	"iret\n"
	"ipi_guest_h41:\n"
	"incl 0x8004\n"
	"movl $0, 0xfee00310\n"
	"movl $0x4040, 0xfee00300\n"		/* pong: fixed 0x40 to APIC 0 */
	"movl $0, 0xfee000b0\n"
	"iret\n"
	"ipi_guest_h42:\n"
	"push %eax\n"
	"mov 0xfee00020, %eax\n"
	"shr $24, %eax\n"
	"lock incl 0x8020(,%eax,4)\n"
	"movl $0, 0xfee000b0\n"
	"pop %eax\n"
	"iret\n"
	"ipi_guest_h43:\n"
	"lock incl 0x8030\n"
	"movl $0, 0xfee000b0\n"
	"iret\n"
	GUEST_ASM_END(ipi_guest));
GUEST_CODE(ipi_guest);
extern const char ipi_guest_h40[], ipi_guest_h41[], ipi_guest_h42[], ipi_guest_h43[];

/* A fixture only for the time bound: Bochs may need minutes. */
FIXTURE(ipi) {};
FIXTURE_SETUP(ipi) {}
FIXTURE_TEARDOWN(ipi) {}

TEST_F_TIMEOUT(ipi, ping_pong_and_shorthands, 300)
{
	struct kvm_vm *vm = vm_create_split();
	struct smp_vcpu v[2] = { { .vcpu = vcpu_create(vm, 0), .cpu = 0 },
				 { .vcpu = vcpu_create(vm, 1), .cpu = 1 } };
	uint32_t rounds = test_dev_is_minikvm() ? ROUNDS : ROUNDS_KVM;
	double secs;
	int i;

	vm_load_guest(vm, CODE_GPA, ipi_guest);
	*(uint32_t *)vm_gpa(vm, 0x8008) = rounds;
	idt32_set(vm, 0x40, guest_label_gpa(CODE_GPA, ipi_guest, ipi_guest_h40));
	idt32_set(vm, 0x41, guest_label_gpa(CODE_GPA, ipi_guest, ipi_guest_h41));
	idt32_set(vm, 0x42, guest_label_gpa(CODE_GPA, ipi_guest, ipi_guest_h42));
	idt32_set(vm, 0x43, guest_label_gpa(CODE_GPA, ipi_guest, ipi_guest_h43));
	for (i = 0; i < 2; i++)
		smp_setup_vcpu(v[i].vcpu);
	/* The AP would wait for INIT/SIPI; start it at the same code instead. */
	ASSERT_EQ(0, vcpu_set_mp_state(v[1].vcpu, KVM_MP_STATE_RUNNABLE));

	secs = smp_run(v, 2);
	ASSERT_LE(0, secs) TH_LOG("a vCPU thread did not start");
	TH_LOG("%u round trips in %.1f s", rounds, secs);

	EXPECT_EQ(0, v[0].error);
	EXPECT_EQ(0, v[1].error);
	ASSERT_EQ(5, v[0].nresults);
	EXPECT_EQ(rounds, v[0].results[0]) TH_LOG("pongs received");
	EXPECT_EQ(rounds, v[0].results[1]) TH_LOG("pings received");
	EXPECT_EQ(2u, v[0].results[2]) TH_LOG("0x42 at the BSP");
	EXPECT_EQ(3u, v[0].results[3]) TH_LOG("0x42 at the AP");
	EXPECT_EQ(1u, v[0].results[4]) TH_LOG("lowest priority");
	vcpu_free(v[1].vcpu);
	vcpu_free(v[0].vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
