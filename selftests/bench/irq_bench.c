// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt delivery benchmark: TSC ticks of the guest, from the moment an
 * interrupt is sent (or due) to the first instruction of the guest's
 * handler, with the full in-kernel irqchip (KVM_CREATE_IRQCHIP):
 *
 *   ipi     round trip of an IPI between two running vCPUs: the BSP writes
 *           the ICR (fixed, to APIC 1) and spins until the AP's handler's
 *           answer (fixed, to APIC 0) has reached its own handler
 *   timer   LAPIC timer in TSC-deadline mode: from the deadline to the
 *           handler, the vCPU halted in between (guest's HLT)
 *   msi     KVM_SIGNAL_MSI from a second host thread to the running vCPU
 *           (spinning in the guest)
 *   hlt     the same MSI to the vCPU halted in HLT: the wakeup's cost
 *   ioapic  KVM_IRQ_LINE of an edge-triggered IOAPIC pin (GSI 17) from a
 *           second host thread to the running vCPU
 *
 * For msi, hlt and ioapic the sending thread reads the TSC just before
 * its ioctl and adds the vCPU's TSC offset (KVM_VCPU_TSC_OFFSET), so that
 * the start and the guest handler's RDTSC are on the same clock. The vCPU
 * threads and the sender are pinned to host CPUs 0 and 1 (the 2-CPU test
 * VM of make bench); with one CPU they share it and the figures mean
 * little. Each row is the median of @rounds deliveries:
 *
 *   irq_bench [--dev PATH] [rounds]
 *
 *   BENCH-DECILES <dev> <row> <min> <10%> ... <90%> <max>   (each row)
 *   BENCH-IRQ <dev> rounds=N cpus=C ipi=<ticks> timer=<ticks> msi=<ticks>
 *             hlt=<ticks> ioapic=<ticks> hlt_min=<ticks> hlt_max=<ticks>
 *
 * A guest spinning with no exit at all was seen to stall the Bochs test
 * VM's L1 kernel (vmx_run_signal_test.c); every spin here makes a CPUID
 * exit after SPIN_LIMIT turns without news, which only a lost interrupt
 * reaches. tools/testvm/bench-summary.sh puts both devices side by side.
 * Not a pass/fail test: the figures only compare within one boot.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <x86intrin.h>

#include "kvm_util.h"
#include "lapic_util.h"
#include "test_util.h"

#define MAX_ROUNDS	1000
#define PORT_DONE	0x11
#define COUNT_GPA	0x8000	/* handler runs so far */
#define READY_GPA	0x8004	/* the round the guest waits for, 1-based */
#define MODE_GPA	0x8008	/* MODE_* */
#define ROUNDS_GPA	0x800c
#define DELTA_GPA	0x8010	/* timer: deadline - now, in ticks */
#define AP_UP_GPA	0x8014
#define START_GPA	0x30000	/* per round: deadline, or round trip (u32) */
#define HANDLER_GPA	0x31000	/* per round: the handler's RDTSC (u32) */
#define MODE_HLT	1
#define MODE_TIMER	2
#define TIMER_DELTA	200000	/* ticks: the guest is in HLT well before */
#define SEND_DELAY_US	2000	/* hlt: the vCPU thread is asleep by then */
#define MSI_VECTOR	0x41
#define TIMER_VECTOR	0x42
#define IOAPIC_VECTOR	0x43
#define IOAPIC_GSI	17

/* Registers kept but EAX, EBX, ECX, EDX; reached only after SPIN_LIMIT turns. */
#define SPIN_LIMIT	"20000"

/*
 * One vCPU waits for ROUNDS interrupts, one at a time: it arms the
 * TSC-deadline timer (MODE_TIMER) or publishes the round in READY, then
 * waits for its handler, in HLT (MODE_HLT) or spinning. The handler
 * stores its RDTSC per round and counts.
 */
asm(GUEST_ASM_BEGIN(wait_guest, ".code32")
	"mov $0xfee00000, %esi\n"
	"movl $0x1ff, 0xf0(%esi)\n"		/* SVR: software enabled */
	"movl $0x40042, 0x320(%esi)\n"		/* LVTT: TSC-deadline, 0x42 */
	"sti\n"
	"xor %ebp, %ebp\n"
	"wait_guest_round:\n"
	"cmp 0x800c, %ebp\n jae wait_guest_done\n"
	"lea 1(%ebp), %edi\n"
	"testl $2, 0x8008\n jz 1f\n"
	"rdtsc\n add 0x8010, %eax\n adc $0, %edx\n"
	"mov %eax, 0x30000(,%ebp,4)\n"
	"mov $0x6e0, %ecx\n wrmsr\n"		/* IA32_TSC_DEADLINE */
	"jmp 2f\n"
	"1: mov %edi, 0x8004\n"
	"2: testl $1, 0x8008\n jnz 5f\n"
	"3: mov $" SPIN_LIMIT ", %ecx\n"
	"4: cmp %edi, 0x8000\n jae 7f\n pause\n dec %ecx\n jnz 4b\n"
	"xor %eax, %eax\n cpuid\n jmp 3b\n"
	/* STI;HLT: no interrupt slips in between the test and the halt. */
	"5: cli\n cmp %edi, 0x8000\n jae 6f\n sti\n hlt\n jmp 5b\n"
	"6: sti\n"
	"7: inc %ebp\n jmp wait_guest_round\n"
	"wait_guest_done:\n"
	"8: out %eax, $0x11\n jmp 8b\n"
	"wait_guest_handler:\n"
	"push %eax\n push %edx\n push %ecx\n"
	"rdtsc\n"
	"mov 0x8000, %ecx\n"
	"mov %eax, 0x31000(,%ecx,4)\n"
	"inc %ecx\n mov %ecx, 0x8000\n"
	"movl $0, 0xfee000b0\n"			/* EOI */
	"pop %ecx\n pop %edx\n pop %eax\n"
	"iret\n"
	GUEST_ASM_END(wait_guest));
GUEST_CODE(wait_guest);
extern const char wait_guest_handler[];

/*
 * IPI round trips: the BSP times each ping (0x41 to APIC 1) until its
 * pong (0x40 from the AP's handler) has run; the AP spins meanwhile.
 */
asm(GUEST_ASM_BEGIN(ipi_guest, ".code32")
	"mov $0xfee00000, %esi\n"
	"movl $0x1ff, 0xf0(%esi)\n"
	"sti\n"
	"mov 0x20(%esi), %ebx\n shr $24, %ebx\n"
	"test %ebx, %ebx\n jnz ipi_guest_ap\n"
	"1: xor %eax, %eax\n cpuid\n cmpl $1, 0x8014\n jne 1b\n"	/* the AP is up */
	"xor %ebp, %ebp\n"
	"2: cmp 0x800c, %ebp\n jae 6f\n"
	"lea 1(%ebp), %edi\n"
	"rdtsc\n mov %eax, %ebx\n"
	"movl $0x01000000, 0x310(%esi)\n"
	"movl $0x4041, 0x300(%esi)\n"		/* ping */
	"3: mov $" SPIN_LIMIT ", %ecx\n"
	"4: cmp %edi, 0x8000\n jae 5f\n pause\n dec %ecx\n jnz 4b\n"
	"push %ebx\n xor %eax, %eax\n cpuid\n pop %ebx\n jmp 3b\n"
	"5: rdtsc\n sub %ebx, %eax\n mov %eax, 0x30000(,%ebp,4)\n"
	"inc %ebp\n jmp 2b\n"
	"6: out %eax, $0x11\n jmp 6b\n"
	"ipi_guest_ap:\n"
	"movl $1, 0x8014\n"
	"7: mov $" SPIN_LIMIT ", %ecx\n"
	"8: pause\n dec %ecx\n jnz 8b\n"
	"xor %eax, %eax\n cpuid\n jmp 7b\n"
	"ipi_guest_pong:\n"
	"incl 0x8000\n"
	"movl $0, 0xfee000b0\n"
	"iret\n"
	"ipi_guest_ping:\n"
	"movl $0, 0xfee00310\n"
	"movl $0x4040, 0xfee00300\n"		/* pong */
	"movl $0, 0xfee000b0\n"
	"iret\n"
	GUEST_ASM_END(ipi_guest));
GUEST_CODE(ipi_guest);
extern const char ipi_guest_pong[], ipi_guest_ping[];

enum sender { SEND_NONE, SEND_MSI, SEND_IRQ_LINE };

struct bench_vcpu {
	struct kvm_vcpu *vcpu;
	int cpu;
	int error;		/* an unexpected exit, or KVM_RUN failed */
};

struct bench_sender {
	struct kvm_vm *vm;
	enum sender how;
	bool wait_halt;
	uint32_t rounds;
	uint64_t tsc_offset;	/* guest TSC = host TSC + this */
	uint32_t start[MAX_ROUNDS];
	int error;
};

static int stop;		/* set by the main thread, read by vCPU threads */
static int ncpus;
static uint32_t last_min, last_max;	/* of the last row measured */

static void on_sigusr1(int sig)
{
	(void)sig;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (ncpus < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Run until the guest's PORT_DONE, or until stopped by the main thread. */
static void *vcpu_thread(void *arg)
{
	struct bench_vcpu *v = arg;
	struct kvm_run *run = v->vcpu->run;

	pin(v->cpu);
	for (;;) {
		if (ioctl(v->vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR && !TEST_LOAD(stop))
				continue;
			if (errno != EINTR)
				v->error = errno;
			return NULL;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == PORT_DONE)
			return NULL;
		v->error = 1000 + run->exit_reason;
		return NULL;
	}
}

/* Waits for each round the guest publishes, then sends its interrupt. */
static void *sender_thread(void *arg)
{
	struct bench_sender *s = arg;
	uint32_t *ready = vm_gpa(s->vm, READY_GPA);
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = MSI_VECTOR };
	struct kvm_irq_level line = { .irq = IOAPIC_GSI };
	uint32_t r;
	int ret;

	pin(1);
	for (r = 0; r < s->rounds; r++) {
		while (TEST_LOAD(*ready) != r + 1)
			;
		if (s->wait_halt)
			usleep(SEND_DELAY_US);
		if (s->how == SEND_IRQ_LINE) {
			line.level = 0;
			if (ioctl(s->vm->fd, KVM_IRQ_LINE, &line))
				goto fail;
			line.level = 1;
			s->start[r] = __rdtsc() + s->tsc_offset;
			ret = ioctl(s->vm->fd, KVM_IRQ_LINE, &line);
		} else {
			s->start[r] = __rdtsc() + s->tsc_offset;
			ret = ioctl(s->vm->fd, KVM_SIGNAL_MSI, &msi);
		}
		if (ret < 0)
			goto fail;
	}
	return NULL;
fail:
	s->error = errno;
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * The median of @n figures (sorts them; last_min and last_max kept), and
 * a line with their deciles, min to max: a median can hide two modes.
 */
static uint32_t median(const char *row, uint32_t *v, uint32_t n)
{
	int i;

	qsort(v, n, sizeof(*v), cmp_u32);
	last_min = v[0];
	last_max = v[n - 1];
	printf("BENCH-DECILES %s %s", test_dev_path, row);
	for (i = 0; i <= 10; i++)
		printf(" %u", v[(n - 1) * i / 10]);
	printf("\n");
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static struct kvm_vm *bench_vm(void)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);

	TEST_ASSERT(!ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), "KVM_CREATE_IRQCHIP");
	return vm;
}

/* Each vCPU its own stack: 4 KiB below STACK_TOP per vCPU id. */
static void setup_vcpu(struct kvm_vcpu *vcpu, bool deadline_cpuid)
{
	struct kvm_regs regs;

	if (deadline_cpuid) {
		struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(vcpu->vm->dev_fd);

		cpuid_find(cpuid, 1, 0)->ecx |= 1u << 24;	/* TSC-deadline */
		vcpu_set_cpuid(vcpu, cpuid);
		free(cpuid);
	}
	vcpu_setup_prot32(vcpu, CODE_GPA, false);
	vcpu_setup_prot32_idt(vcpu);
	vcpu_get_regs(vcpu, &regs);
	regs.rsp = STACK_TOP - 0x1000 * vcpu->id;
	vcpu_set_regs(vcpu, &regs);
}

static uint64_t vcpu_tsc_offset(struct kvm_vcpu *vcpu)
{
	uint64_t offset;
	struct kvm_device_attr attr = {
		.group = KVM_VCPU_TSC_CTRL,
		.attr = KVM_VCPU_TSC_OFFSET,
		.addr = (uintptr_t)&offset,
	};

	TEST_ASSERT(!ioctl(vcpu->fd, KVM_GET_DEVICE_ATTR, &attr), "KVM_VCPU_TSC_OFFSET");
	return offset;
}

/* IOAPIC pin IOAPIC_GSI: edge, fixed, physical destination APIC 0. */
static void ioapic_route(struct kvm_vm *vm)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };

	TEST_ASSERT(!ioctl(vm->fd, KVM_GET_IRQCHIP, &chip), "KVM_GET_IRQCHIP");
	chip.chip.ioapic.redirtbl[IOAPIC_GSI].bits = IOAPIC_VECTOR;
	TEST_ASSERT(!ioctl(vm->fd, KVM_SET_IRQCHIP, &chip), "KVM_SET_IRQCHIP");
}

/* One row of wait_guest: timer, msi, hlt or ioapic. */
static uint32_t bench_wait(const char *row, uint32_t rounds, uint32_t mode, enum sender how)
{
	struct kvm_vm *vm = bench_vm();
	struct bench_vcpu v = { .vcpu = vcpu_create(vm, 0), .cpu = 0 };
	static struct bench_sender s;
	uint32_t *handler, *start, lat[MAX_ROUNDS], r;
	pthread_t vt, st;

	vm_load_guest(vm, CODE_GPA, wait_guest);
	setup_vcpu(v.vcpu, mode & MODE_TIMER);
	idt32_set(vm, MSI_VECTOR, guest_label_gpa(CODE_GPA, wait_guest, wait_guest_handler));
	idt32_set(vm, TIMER_VECTOR, guest_label_gpa(CODE_GPA, wait_guest, wait_guest_handler));
	idt32_set(vm, IOAPIC_VECTOR, guest_label_gpa(CODE_GPA, wait_guest, wait_guest_handler));
	if (how == SEND_IRQ_LINE)
		ioapic_route(vm);
	*(uint32_t *)vm_gpa(vm, MODE_GPA) = mode;
	*(uint32_t *)vm_gpa(vm, ROUNDS_GPA) = rounds;
	*(uint32_t *)vm_gpa(vm, DELTA_GPA) = TIMER_DELTA;
	s = (struct bench_sender){ .vm = vm, .how = how, .rounds = rounds,
				   .wait_halt = mode & MODE_HLT,
				   .tsc_offset = vcpu_tsc_offset(v.vcpu) };

	TEST_ASSERT(!pthread_create(&vt, NULL, vcpu_thread, &v), "pthread_create");
	if (how != SEND_NONE)
		TEST_ASSERT(!pthread_create(&st, NULL, sender_thread, &s), "pthread_create");
	pthread_join(vt, NULL);
	if (how != SEND_NONE)
		pthread_join(st, NULL);
	TEST_ASSERT(!v.error && !s.error, "mode %u sender %d: vCPU error %d, sender errno %d",
		    mode, how, v.error, s.error);
	TEST_ASSERT(*(uint32_t *)vm_gpa(vm, COUNT_GPA) == rounds, "%u handler runs for %u rounds",
		    *(uint32_t *)vm_gpa(vm, COUNT_GPA), rounds);
	handler = vm_gpa(vm, HANDLER_GPA);
	start = how == SEND_NONE ? vm_gpa(vm, START_GPA) : s.start;
	for (r = 0; r < rounds; r++)
		lat[r] = handler[r] - start[r];
	vcpu_free(v.vcpu);
	vm_free(vm);
	return median(row, lat, rounds);
}

static uint32_t bench_ipi(uint32_t rounds)
{
	struct kvm_vm *vm = bench_vm();
	struct bench_vcpu v[2] = { { .vcpu = vcpu_create(vm, 0), .cpu = 0 },
				   { .vcpu = vcpu_create(vm, 1), .cpu = 1 } };
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	uint32_t lat[MAX_ROUNDS];
	pthread_t t[2];
	int i;

	sigaction(SIGUSR1, &sa, NULL);
	vm_load_guest(vm, CODE_GPA, ipi_guest);
	*(uint32_t *)vm_gpa(vm, ROUNDS_GPA) = rounds;
	idt32_set(vm, 0x40, guest_label_gpa(CODE_GPA, ipi_guest, ipi_guest_pong));
	idt32_set(vm, 0x41, guest_label_gpa(CODE_GPA, ipi_guest, ipi_guest_ping));
	for (i = 0; i < 2; i++)
		setup_vcpu(v[i].vcpu, false);
	/* The AP would wait for INIT/SIPI; start it at the same code instead. */
	TEST_ASSERT(!vcpu_set_mp_state(v[1].vcpu, KVM_MP_STATE_RUNNABLE), "KVM_SET_MP_STATE");
	TEST_STORE(stop, 0);
	for (i = 0; i < 2; i++)
		TEST_ASSERT(!pthread_create(&t[i], NULL, vcpu_thread, &v[i]), "pthread_create");
	pthread_join(t[0], NULL);
	TEST_STORE(stop, 1);
	v[1].vcpu->run->immediate_exit = 1;
	pthread_kill(t[1], SIGUSR1);
	pthread_join(t[1], NULL);
	TEST_STORE(stop, 0);
	TEST_ASSERT(!v[0].error && !v[1].error, "IPI vCPU errors %d %d", v[0].error, v[1].error);
	TEST_ASSERT(*(uint32_t *)vm_gpa(vm, COUNT_GPA) == rounds, "%u pongs for %u rounds",
		    *(uint32_t *)vm_gpa(vm, COUNT_GPA), rounds);
	memcpy(lat, vm_gpa(vm, START_GPA), rounds * sizeof(*lat));
	vcpu_free(v[1].vcpu);
	vcpu_free(v[0].vcpu);
	vm_free(vm);
	return median("ipi", lat, rounds);
}

int main(int argc, char **argv)
{
	uint32_t rounds, ipi, timer, msi, hlt, ioapic, hlt_min, hlt_max;

	argc = test_parse_dev(argc, argv);
	rounds = argc > 1 ? strtoul(argv[1], NULL, 0) : 101;
	TEST_ASSERT(rounds && rounds <= MAX_ROUNDS, "rounds %u (1-%d)", rounds, MAX_ROUNDS);
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	ipi = bench_ipi(rounds);
	timer = bench_wait("timer", rounds, MODE_TIMER | MODE_HLT, SEND_NONE);
	msi = bench_wait("msi", rounds, 0, SEND_MSI);
	hlt = bench_wait("hlt", rounds, MODE_HLT, SEND_MSI);
	hlt_min = last_min;
	hlt_max = last_max;
	ioapic = bench_wait("ioapic", rounds, 0, SEND_IRQ_LINE);
	printf("BENCH-IRQ %s rounds=%u cpus=%d ipi=%u timer=%u msi=%u hlt=%u ioapic=%u",
	       test_dev_path, rounds, ncpus, ipi, timer, msi, hlt, ioapic);
	printf(" hlt_min=%u hlt_max=%u\n", hlt_min, hlt_max);
	return 0;
}
