// SPDX-License-Identifier: GPL-2.0
/*
 * Bad guest state (vmx/run.c, VM-entry failure). KVM's answers differ by
 * where the state is caught:
 *
 * - CR0.PG without CR0.PE is refused by KVM_SET_SREGS itself with EINVAL
 *   (kvm_is_valid_sregs() -> kvm_is_valid_cr0() in Linux 6.1 stable), so
 *   the vCPU never tries to enter;
 * - a state only the CPU checks (here a CS descriptor with S=0, a system
 *   segment, which VM entry refuses even with unrestricted guest) makes
 *   KVM_RUN return 0 with exit_reason KVM_EXIT_FAIL_ENTRY and
 *   hardware_entry_failure_reason the full VMX exit reason: bit 31 (entry
 *   failure) | 33 (invalid guest state) = 0x80000021.
 *
 * On minikvm, /sys/kernel/debug/minikvm/entry_failure then names the
 * first check of the SDM's list that the guest state breaks
 * (vmx/entry_check.c); KVM has no such file (its dump_vmcs() prints the
 * VMCS only with dump_invalid_vmcs=1), so that part runs on minikvm only.
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

asm(GUEST_ASM_BEGIN(ef_guest, ".code32")
	"hlt\n"
	GUEST_ASM_END(ef_guest));
GUEST_CODE(ef_guest);

TEST(cr0_pg_without_pe_refused_by_set_sregs)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_sregs sregs;

	vm_load_guest(vm, CODE_GPA, ef_guest);
	vcpu_setup_real(vcpu, CODE_GPA);
	vcpu_get_sregs(vcpu, &sregs);
	sregs.cr0 = (sregs.cr0 | 0x80000000u) & ~1ull;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_SREGS, &sregs));
	EXPECT_EQ(EINVAL, errno);
	/* Nothing was changed: the guest still runs in real mode. */
	vcpu_run_until_hlt(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

#define ENTRY_FAILURE_FILE	"/sys/kernel/debug/minikvm/entry_failure"

/* minikvm's explanation of the last failed entry, or "" on KVM. */
static void read_entry_failure(char *buf, size_t size)
{
	int fd;
	ssize_t n = 0;

	buf[0] = 0;
	if (!test_dev_is_minikvm())
		return;
	fd = open(ENTRY_FAILURE_FILE, O_RDONLY);
	TEST_ASSERT(fd >= 0, "open %s", ENTRY_FAILURE_FILE);
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
}

/*
 * A 32-bit protected-mode vCPU whose state @brk breaks in a way only the
 * CPU checks: KVM_RUN must fail the entry with 0x80000021, and on
 * minikvm the entry_failure file must name @check. Then the same vCPU,
 * given its good state back, runs.
 */
static void expect_entry_failure(struct __test_metadata *_metadata,
				 void (*brk)(struct kvm_sregs *), const char *check)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_sregs good, bad;
	char why[2048];

	vm_load_guest(vm, CODE_GPA, ef_guest);
	vcpu_setup_prot32(vcpu, CODE_GPA, false);
	vcpu_get_sregs(vcpu, &good);
	bad = good;
	brk(&bad);
	vcpu_set_sregs(vcpu, &bad);

	EXPECT_EQ(0, __vcpu_run(vcpu));
	EXPECT_EQ(KVM_EXIT_FAIL_ENTRY, vcpu->run->exit_reason)
		TH_LOG("exit %s", exit_reason_str(vcpu->run->exit_reason));
	EXPECT_EQ(0x80000021ull, vcpu->run->fail_entry.hardware_entry_failure_reason);
	EXPECT_LT(vcpu->run->fail_entry.cpu, (uint32_t)sysconf(_SC_NPROCESSORS_ONLN));
	read_entry_failure(why, sizeof(why));
	if (test_dev_is_minikvm())
		EXPECT_NE(NULL, strstr(why, check))
			TH_LOG("entry_failure says:\n%s", why);

	vcpu_set_sregs(vcpu, &good);
	vcpu_run_until_hlt(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void tr_available_tss(struct kvm_sregs *s)
{
	s->tr.type = 9;		/* an available, not busy, TSS */
}

static void cs_system_segment(struct kvm_sregs *s)
{
	s->cs.s = 0;
}

TEST(tr_not_busy_tss_named)
{
	expect_entry_failure(_metadata, tr_available_tss,
			     "first failing check: TR: not a busy TSS of the right kind, S set, P clear or unusable, segment TR");
}

TEST(system_segment_in_cs_fails_entry)
{
	expect_entry_failure(_metadata, cs_system_segment,
			     "first failing check: access rights: S or P clear in CS or a usable data segment, segment CS");
}

MINIKVM_TEST_MAIN
