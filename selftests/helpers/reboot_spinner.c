// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU that never stops, for the reboot check of the test VM
 * (tools/testvm/init.sh, "reboot with a vCPU running"):
 *
 *   reboot_spinner [--dev PATH] [CPU]
 *
 * Pinned to CPU (default: the last online one), it creates a VM whose
 * real-mode guest makes one OUT, then spins in guest mode forever: 31
 * NOPs and a LOOP, with a CPUID exit (handled in the kernel: KVM_RUN does
 * not return) every 65535 rounds. After the OUT it prints
 * "MINIKVM-REBOOT: vCPU running" on stdout, its last line there (/init
 * reads it from a FIFO), then runs the vCPU again.
 *
 * Why that loop: the Bochs test VM runs its CPUs in turn, one trace (up
 * to a branch) each, and its clock counts instructions. A VM exit and
 * entry is one instruction there that costs Bochs a great deal of host
 * time, and a trace of one instruction costs it many times what one
 * instruction in a long trace does. A guest that exited every third
 * instruction (the first version of this one) all but stopped the test
 * VM's clock: "pause 2" after it did not end in 330 s on a loaded host.
 * A bare LOOP still took 236 s for those 2 s of guest time, eight times
 * the clock's usual pace; long traces keep it near that pace.
 * While it runs, /init reboots: the reboot notifier (vmx/vmxon.c) turns
 * VMX off under it. Whatever KVM_RUN returns after that goes to stderr,
 * the first few times, should the console still carry it; what is
 * judged is the kernel log up to the restart (tools/testvm/test-vm.sh).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "kvm_util.h"
#include "test_util.h"

asm(GUEST_ASM_BEGIN(spin_guest, ".code16")
	"outl %eax, $0x10\n"
	"1: movw $0xffff, %cx\n"
	"2:\n"
	".rept 31\n"
	"nop\n"
	".endr\n"
	"loop 2b\n"
	"xorl %eax, %eax\n"
	"cpuid\n"
	"jmp 1b\n"
	GUEST_ASM_END(spin_guest));
GUEST_CODE(spin_guest);

int main(int argc, char **argv)
{
	int cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	cpu_set_t set;
	int n;

	argc = test_parse_dev(argc, argv);
	if (argc > 1)
		cpu = atoi(argv[1]);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(set), &set), "sched_setaffinity %d", cpu);
	vm = vm_create(GUEST_MEM_SIZE);
	vcpu = vcpu_create(vm, 0);
	vm_load_guest(vm, CODE_GPA, spin_guest);
	vcpu_setup_real(vcpu, CODE_GPA);
	vcpu_run_until_out(vcpu, PORT_RESULT);
	printf("MINIKVM-REBOOT: vCPU running on CPU %d\n", cpu);
	fflush(stdout);
	for (n = 0;; n++) {
		int ret = __vcpu_run(vcpu);

		if (n < 3)
			fprintf(stderr, "MINIKVM-REBOOT: KVM_RUN returned %d (%s), exit reason %u (%s)\n",
				ret, ret ? strerror(errno) : "ok", vcpu->run->exit_reason,
				exit_reason_str(vcpu->run->exit_reason));
		if (n >= 3)
			usleep(10000);
	}
	return 0;
}
