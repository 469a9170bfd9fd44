// SPDX-License-Identifier: GPL-2.0
/*
 * Exit cost benchmark: TSC ticks per VM exit as the guest sees them.
 *
 *   exit_bench [--dev PATH] [iterations [repetitions]]
 *
 * A real-mode guest times, with RDTSC around the whole loop, N CPUIDs
 * (an exit handled in the kernel) and N OUTs to a port nobody claims (an
 * exit that goes all the way to this program and back through KVM_RUN),
 * an empty loop of the same length for the loop's own cost, and N OUTs to
 * a port with an ioeventfd (the eventfd is signalled in the kernel; no
 * exit reaches this program). On a device without KVM_CAP_IOEVENTFD (an
 * older minikvm, make bench-compare) those OUTs exit to this program too
 * and the figure reads ioeventfd=n/a. It stores the totals in guest
 * memory. The whole guest runs R times (default 5) in the same VM; one
 * line carries the median of each figure over the R runs, and the lowest
 * and highest CPUID figure:
 *
 *   BENCH <dev> iterations=N reps=R cpuid=<ticks/exit> out=<ticks/exit>
 *         loop=<ticks/iter> ioeventfd=<ticks/write>|n/a cpuid_min=<ticks>
 *         cpuid_max=<ticks>
 *
 * tools/testvm/bench-summary.sh puts the lines of both devices side by
 * side (bench-compare-summary.sh those of two minikvm builds and KVM).
 * Not a pass/fail test: the figures only compare within one boot.
 */
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <unistd.h>

#include "kvm_util.h"
#include "test_util.h"

asm(GUEST_ASM_BEGIN(bench_guest, ".code16")
	/* CPUID loop: one warm-up exit, then N timed. */
	"xorl %eax, %eax\n"
	"cpuid\n"
	"rdtsc\n"
	"movl %eax, %esi\n"
	"movl %edx, %edi\n"
	"movl 0x8020, %ebp\n"
	"1: xorl %eax, %eax\n"
	"cpuid\n"
	"decl %ebp\n"
	"jnz 1b\n"
	"rdtsc\n"
	"subl %esi, %eax\n"
	"sbbl %edi, %edx\n"
	"movl %eax, 0x8000\n"
	"movl %edx, 0x8004\n"
	/* OUT loop: each one is a KVM_EXIT_IO to userspace. */
	"outb %al, $0x80\n"
	"rdtsc\n"
	"movl %eax, %esi\n"
	"movl %edx, %edi\n"
	"movl 0x8020, %ebp\n"
	"2: outb %al, $0x80\n"
	"decl %ebp\n"
	"jnz 2b\n"
	"rdtsc\n"
	"subl %esi, %eax\n"
	"sbbl %edi, %edx\n"
	"movl %eax, 0x8008\n"
	"movl %edx, 0x800c\n"
	/* The loop alone. */
	"rdtsc\n"
	"movl %eax, %esi\n"
	"movl %edx, %edi\n"
	"movl 0x8020, %ebp\n"
	"3: xorl %eax, %eax\n"
	"decl %ebp\n"
	"jnz 3b\n"
	"rdtsc\n"
	"subl %esi, %eax\n"
	"sbbl %edi, %edx\n"
	"movl %eax, 0x8010\n"
	"movl %edx, 0x8014\n"
	/* OUT loop to an ioeventfd's port: signalled in the kernel, no exit. */
	"rdtsc\n"
	"movl %eax, %esi\n"
	"movl %edx, %edi\n"
	"movl 0x8020, %ebp\n"
	"4: outb %al, $0x84\n"
	"decl %ebp\n"
	"jnz 4b\n"
	"rdtsc\n"
	"subl %esi, %eax\n"
	"sbbl %edi, %edx\n"
	"movl %eax, 0x8018\n"
	"movl %edx, 0x801c\n"
	"hlt\n"
	GUEST_ASM_END(bench_guest));
GUEST_CODE(bench_guest);

#define MAX_REPS	31

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of @n figures (sorts them). */
static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	double cpuid[MAX_REPS], out[MAX_REPS], loop[MAX_REPS], iofd_ticks[MAX_REPS];
	struct kvm_ioeventfd iofd = { .addr = 0x84, .len = 1, .flags = KVM_IOEVENTFD_FLAG_PIO };
	uint64_t signals = 0;
	unsigned int r, reps;
	bool has_iofd;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t *res;
	uint32_t n;

	argc = test_parse_dev(argc, argv);
	n = argc > 1 ? strtoul(argv[1], NULL, 0) : 2000;
	reps = argc > 2 ? strtoul(argv[2], NULL, 0) : 5;
	TEST_ASSERT(n && reps && reps <= MAX_REPS, "iterations %u, repetitions %u (1-%d)",
		    n, reps, MAX_REPS);
	vm = vm_create(GUEST_MEM_SIZE);
	vcpu = vcpu_create(vm, 0);
	vm_load_guest(vm, CODE_GPA, bench_guest);
	*(uint32_t *)vm_gpa(vm, DATA_GPA + 0x20) = n;
	res = vm_gpa(vm, DATA_GPA);
	iofd.fd = eventfd(0, EFD_NONBLOCK);
	TEST_ASSERT(iofd.fd >= 0, "eventfd");
	has_iofd = ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD) > 0;
	TEST_ASSERT(!has_iofd || !ioctl(vm->fd, KVM_IOEVENTFD, &iofd), "KVM_IOEVENTFD");

	for (r = 0; r < reps; r++) {
		unsigned long outs = 0, iofd_outs = 0;

		vcpu_setup_real(vcpu, CODE_GPA);
		for (;;) {
			vcpu_run(vcpu);
			if (vcpu->run->exit_reason == KVM_EXIT_HLT)
				break;
			TEST_ASSERT(vcpu->run->exit_reason == KVM_EXIT_IO &&
				    (vcpu->run->io.port == 0x80 ||
				     (!has_iofd && vcpu->run->io.port == 0x84)),
				    "unexpected exit %s",
				    exit_reason_str(vcpu->run->exit_reason));
			if (vcpu->run->io.port == 0x80)
				outs++;
			else
				iofd_outs++;
		}
		TEST_ASSERT(outs == n + 1, "%lu OUT exits for %u iterations", outs, n);
		TEST_ASSERT(has_iofd || iofd_outs == n, "%lu OUT exits to port 0x84 for %u writes",
			    iofd_outs, n);
		TEST_ASSERT(!has_iofd ||
			    (read(iofd.fd, &signals, sizeof(signals)) == sizeof(signals) &&
			     signals == n), "ioeventfd signalled %llu times for %u writes",
			    (unsigned long long)signals, n);
		cpuid[r] = (double)res[0] / n;
		out[r] = (double)res[1] / n;
		loop[r] = (double)res[2] / n;
		iofd_ticks[r] = (double)res[3] / n;
	}
	printf("BENCH %s iterations=%u reps=%u cpuid=%.0f out=%.0f loop=%.1f",
	       test_dev_path, n, reps, median(cpuid, reps), median(out, reps),
	       median(loop, reps));
	if (has_iofd)
		printf(" ioeventfd=%.0f", median(iofd_ticks, reps));
	else
		printf(" ioeventfd=n/a");
	/* median() sorted cpuid[]. */
	printf(" cpuid_min=%.0f cpuid_max=%.0f\n", cpuid[0], cpuid[reps - 1]);
	close(iofd.fd);
	vcpu_free(vcpu);
	vm_free(vm);
	return 0;
}
