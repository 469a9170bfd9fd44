// SPDX-License-Identifier: GPL-2.0
/*
 * A guest programs the in-kernel PIT by port I/O (irq/pit.c), without an
 * irqchip, as KVM 6.1 runs it:
 *
 *  - channel 2 (gate on port 0x61 bit 0) counts down at 1.193182 MHz:
 *    two latched reads around a TSC-timed wait differ by the PIT pulses
 *    the TSC says passed (the TSC's rate measured by this process against
 *    CLOCK_MONOTONIC; 10% slack for Bochs), a latched count holds while
 *    the counter runs on, and read-back gives status then count;
 *  - the status byte: OUT, access mode, mode, BCD; mode 0's OUT rises
 *    once the count has run out, on port 0x61 bit 5 too;
 *  - Linux's TSC calibration loop (pit_calibrate_tsc(): mode 0 on
 *    channel 2, poll port 0x61 bit 5) ends after the programmed 50 ms;
 *    port 0x61 bit 4, the refresh toggle, is seen both ways;
 *  - channel 0's counter runs on its interrupt timer, which needs
 *    KVM_CREATE_IRQCHIP: without one it reads its initial count, which
 *    shows the access modes exactly (LSB, MSB, word), and a second latch
 *    before the first is read changes nothing;
 *  - port 0x61 goes to userspace unless KVM_PIT_SPEAKER_DUMMY was asked;
 *  - nonsense from KVM_SET_PIT2 leaves every port usable.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <x86intrin.h>

#include "minikvm_test.h"
#include "kvm_util.h"

#define PIT_HZ		1193182.0
#define DELAY_A		0x8100	/* TSC cycles of each guest wait, set by the host */
#define DELAY_B		0x8108
#define DELAY_C		0x8110

/* Guest snippets: TSC to memory, wait for [addr] TSC cycles, port I/O. */
#define G_TSC(addr)	"rdtsc\nshl $32, %rdx\nor %rdx, %rax\nmov %rax, " addr "\n"
#define G_DELAY(addr)	"rdtsc\nshl $32, %rdx\nor %rdx, %rax\nmov %rax, %rsi\n"	\
			"add " addr ", %rsi\n"						\
			"1: rdtsc\nshl $32, %rdx\nor %rdx, %rax\ncmp %rsi, %rax\njb 1b\n"
#define G_OUT(port, v)	"movb $" v ", %al\noutb %al, $" port "\n"
#define G_IN(port, a)	"inb $" port ", %al\nmovb %al, " a "\n"

/* Channel 2: rate, latch, read-back, status, mode 0's OUT. */
asm(GUEST_ASM_BEGIN(counts_guest, ".code64")
	G_OUT("0x61", "1")				/* gate 2 high, speaker off */
	G_OUT("0x43", "0xb0")				/* ch2, word, mode 0, binary */
	G_OUT("0x42", "0xff") G_OUT("0x42", "0xff")
	G_TSC("0x8000")
	G_OUT("0x43", "0x80")				/* latch ch2 */
	G_TSC("0x8008")
	G_IN("0x42", "0x8040") G_IN("0x42", "0x8041")
	G_DELAY("0x8100")
	G_TSC("0x8010")
	G_OUT("0x43", "0xc8")				/* read-back ch2: count, status */
	G_TSC("0x8018")
	G_IN("0x42", "0x8042")				/* status first */
	G_IN("0x42", "0x8044") G_IN("0x42", "0x8045")
	G_OUT("0x43", "0x80")				/* latch, wait, read, read live */
	G_DELAY("0x8108")
	G_IN("0x42", "0x8046") G_IN("0x42", "0x8047")
	G_IN("0x42", "0x8048") G_IN("0x42", "0x8049")
	G_OUT("0x43", "0xb1")				/* BCD */
	G_OUT("0x42", "0x00") G_OUT("0x42", "0x50")
	G_OUT("0x43", "0xe8") G_IN("0x42", "0x804a")	/* status only */
	G_OUT("0x43", "0xb0")				/* 50000 pulses: OUT low */
	G_OUT("0x42", "0x50") G_OUT("0x42", "0xc3")
	G_OUT("0x43", "0xe8") G_IN("0x42", "0x804b")
	G_IN("0x61", "0x804c")
	G_OUT("0x42", "0x64") G_OUT("0x42", "0x00")	/* 100 pulses, then wait */
	G_DELAY("0x8110")
	G_OUT("0x43", "0xe8") G_IN("0x42", "0x804d")
	G_IN("0x61", "0x804e")
	"hlt\n"
	GUEST_ASM_END(counts_guest));
GUEST_CODE(counts_guest);

/* Linux's pit_calibrate_tsc() loop, 50 ms, then the refresh toggle. */
asm(GUEST_ASM_BEGIN(calib_guest, ".code64")
	"inb $0x61, %al\nandb $0xfd, %al\norb $1, %al\noutb %al, $0x61\n"
	G_OUT("0x43", "0xb0")
	G_OUT("0x42", "0x0b") G_OUT("0x42", "0xe9")	/* 59659: 50 ms */
	G_TSC("0x8000")
	"xor %ecx, %ecx\n"
	"1: inc %ecx\ninb $0x61, %al\ntestb $0x20, %al\njz 1b\n"
	"mov %ecx, 0x8020\n"
	G_TSC("0x8008")
	"movb $0, %bl\nmovb $0xff, %bh\nmov $4096, %ecx\n"
	"2: inb $0x61, %al\norb %al, %bl\nandb %al, %bh\nloop 2b\n"
	"movb %bl, 0x8030\nmovb %bh, 0x8031\n"
	"hlt\n"
	GUEST_ASM_END(calib_guest));
GUEST_CODE(calib_guest);

/* Channel 0 with no timer behind it: the access modes, exactly. */
asm(GUEST_ASM_BEGIN(ch0_guest, ".code64")
	G_OUT("0x43", "0x14") G_OUT("0x40", "0x56")	/* LSB only, mode 2 */
	G_IN("0x40", "0x8000") G_IN("0x40", "0x8001")
	G_OUT("0x43", "0x24") G_OUT("0x40", "0x12")	/* MSB only: 0x1200 */
	G_IN("0x40", "0x8002")
	G_OUT("0x43", "0xe2") G_IN("0x40", "0x8003")	/* status: 0x24 */
	G_OUT("0x43", "0x3c")				/* word, mode 6 = 2 */
	G_OUT("0x40", "0x34") G_OUT("0x40", "0x12")
	G_OUT("0x43", "0xc2")				/* read-back count+status */
	G_IN("0x40", "0x8004") G_IN("0x40", "0x8005") G_IN("0x40", "0x8006")
	G_IN("0x40", "0x8007") G_IN("0x40", "0x8008")	/* live: low, high */
	G_OUT("0x43", "0x00")				/* latch 0x1234 ... */
	G_OUT("0x40", "0x78") G_OUT("0x40", "0x56")	/* ... load 0x5678 ... */
	G_OUT("0x43", "0x00")				/* ... latch again: ignored */
	G_IN("0x40", "0x8009") G_IN("0x40", "0x800a")
	G_IN("0x40", "0x800b") G_IN("0x40", "0x800c")	/* now the new count */
	"hlt\n"
	GUEST_ASM_END(ch0_guest));
GUEST_CODE(ch0_guest);

asm(GUEST_ASM_BEGIN(speaker_guest, ".code64")
	G_IN("0x61", "0x8000")
	"hlt\n"
	GUEST_ASM_END(speaker_guest));
GUEST_CODE(speaker_guest);

/* Every port read and written after KVM_SET_PIT2 loaded nonsense. */
asm(GUEST_ASM_BEGIN(garbage_guest, ".code64")
	"mov $4, %ecx\n"
	"1:\n"
	G_IN("0x40", "0x8000") G_IN("0x41", "0x8001") G_IN("0x42", "0x8002")
	G_IN("0x61", "0x8003") G_IN("0x43", "0x8004")
	G_OUT("0x43", "0xfe")				/* read-back all */
	G_IN("0x40", "0x8005") G_IN("0x41", "0x8006") G_IN("0x42", "0x8007")
	G_OUT("0x40", "0x00") G_OUT("0x41", "0x00") G_OUT("0x42", "0x00")
	"dec %ecx\njnz 1b\n"
	"hlt\n"
	GUEST_ASM_END(garbage_guest));
GUEST_CODE(garbage_guest);

static struct kvm_vcpu *pit_guest(struct kvm_vm *vm, uint32_t flags, const char *start,
				  const char *end)
{
	struct kvm_pit_config config = { .flags = flags };
	struct kvm_vcpu *vcpu;

	TEST_ASSERT(!ioctl(vm->fd, KVM_CREATE_PIT2, &config), "KVM_CREATE_PIT2: %d", errno);
	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, CODE_GPA, start, end);
	vcpu_setup_long(vcpu, CODE_GPA);
	return vcpu;
}

static uint64_t q(struct kvm_vm *vm, uint64_t gpa)
{
	return *(uint64_t *)vm_gpa(vm, gpa);
}

static uint16_t w(struct kvm_vm *vm, uint64_t gpa)
{
	return *(uint16_t *)vm_gpa(vm, gpa);
}

static uint8_t b(struct kvm_vm *vm, uint64_t gpa)
{
	return *(uint8_t *)vm_gpa(vm, gpa);
}

TEST(channel2_counts_down)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = pit_guest(vm, KVM_PIT_SPEAKER_DUMMY, counts_guest_start,
					  counts_guest_end);
	double hz = test_tsc_hz(), lo, hi, ticks;

	*(uint64_t *)vm_gpa(vm, DELAY_A) = hz / 100;	/* 10 ms */
	*(uint64_t *)vm_gpa(vm, DELAY_B) = hz / 200;	/* 5 ms */
	*(uint64_t *)vm_gpa(vm, DELAY_C) = hz / 500;	/* 2 ms: 100 pulses are 84 us */
	vcpu_run_until_hlt(vcpu);

	/* The first latch came soon after the load of 0xffff. */
	EXPECT_GT(w(vm, 0x8040), 0xe000);
	/* Pulses between the latches, against the TSC around each latch. */
	ticks = w(vm, 0x8040) - w(vm, 0x8044);
	lo = (q(vm, 0x8010) - q(vm, 0x8008)) / hz * PIT_HZ;
	hi = (q(vm, 0x8018) - q(vm, 0x8000)) / hz * PIT_HZ;
	EXPECT_GE(ticks, lo * 0.9 - 2) TH_LOG("%.0f pulses, TSC says %.0f-%.0f", ticks, lo, hi);
	EXPECT_LE(ticks, hi * 1.1 + 2) TH_LOG("%.0f pulses, TSC says %.0f-%.0f", ticks, lo, hi);
	/* Read-back status: OUT low, word access, mode 0, binary. */
	EXPECT_EQ(0x30, b(vm, 0x8042));
	/* A latched count is the count at the latch, 5 ms older than live. */
	EXPECT_GE(w(vm, 0x8046) - w(vm, 0x8048), PIT_HZ / 200 * 0.9)
		TH_LOG("latched %u, live %u", w(vm, 0x8046), w(vm, 0x8048));
	/* BCD is kept in the status. */
	EXPECT_EQ(0x31, b(vm, 0x804a));
	/* Mode 0: OUT low while counting, high once the count ran out. */
	EXPECT_EQ(0x30, b(vm, 0x804b));
	EXPECT_EQ(0x01, b(vm, 0x804c) & 0x23);
	EXPECT_EQ(0xb0, b(vm, 0x804d));
	EXPECT_EQ(0x21, b(vm, 0x804e) & 0x23);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(calibration_loop)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = pit_guest(vm, KVM_PIT_SPEAKER_DUMMY, calib_guest_start,
					  calib_guest_end);
	double hz = test_tsc_hz(), guest_hz;

	vcpu_run_until_hlt(vcpu);
	/* The TSC rate the guest would compute: cycles over 59659 pulses. */
	guest_hz = (q(vm, 0x8008) - q(vm, 0x8000)) / (59659 / PIT_HZ);
	EXPECT_GE(guest_hz, hz * 0.9) TH_LOG("guest %.0f Hz, host %.0f Hz", guest_hz, hz);
	EXPECT_LE(guest_hz, hz * 1.1) TH_LOG("guest %.0f Hz, host %.0f Hz", guest_hz, hz);
	EXPECT_GT(*(uint32_t *)vm_gpa(vm, 0x8020), 1u);	/* it did poll */
	/* Refresh toggle: bit 4 seen set (OR) and clear (AND). */
	EXPECT_EQ(0x10, b(vm, 0x8030) & 0x10);
	EXPECT_EQ(0x00, b(vm, 0x8031) & 0x10);
	/* Gate stays on, OUT stays high, speaker data off. */
	EXPECT_EQ(0x21, b(vm, 0x8031) & 0x23);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(channel0_without_irqchip)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = pit_guest(vm, 0, ch0_guest_start, ch0_guest_end);
	static const uint8_t want[] = {
		0x56, 0x56,		/* LSB only, twice */
		0x12,			/* MSB only */
		0x24,			/* status: MSB access, mode 2 */
		0x34, 0x34, 0x12,	/* read-back: status, then the count */
		0x34, 0x12,		/* live word read */
		0x34, 0x12,		/* the first latch won */
		0x78, 0x56,		/* then the live new count */
	};
	unsigned int i;

	vcpu_run_until_hlt(vcpu);
	for (i = 0; i < ARRAY_SIZE(want); i++)
		EXPECT_EQ(want[i], b(vm, 0x8000 + i)) TH_LOG("byte %u", i);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(speaker_port)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = pit_guest(vm, 0, speaker_guest_start, speaker_guest_end);
	struct kvm_run *run = vcpu->run;

	/* Without KVM_PIT_SPEAKER_DUMMY, port 0x61 is the VMM's. */
	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason);
	EXPECT_EQ(KVM_EXIT_IO_IN, run->io.direction);
	EXPECT_EQ(0x61, run->io.port);
	*(uint8_t *)io_data(vcpu) = 0x5a;
	vcpu_run_until_hlt(vcpu);
	EXPECT_EQ(0x5a, b(vm, 0x8000));
	vcpu_free(vcpu);
	vm_free(vm);

	/*
	 * With it, the kernel answers: gate 2 low and speaker data off at
	 * power-on. (OUT, bit 5, rises 0x10000 pulses, 55 ms, after the
	 * PIT's creation: on a slow kernel that can be before the IN.)
	 */
	vm = vm_create(GUEST_MEM_SIZE);
	vcpu = pit_guest(vm, KVM_PIT_SPEAKER_DUMMY, speaker_guest_start, speaker_guest_end);
	vcpu_run_until_hlt(vcpu);
	EXPECT_EQ(0x00, b(vm, 0x8000) & 0x03);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * KVM takes any channel state; so must the counters: modes 6, 7 and
 * 0xff, counts up to 2^32 - 1, unknown access and latch states. The
 * guest reaches its HLT, nothing more is promised.
 */
TEST(garbage_state)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = pit_guest(vm, KVM_PIT_SPEAKER_DUMMY, garbage_guest_start,
					  garbage_guest_end);
	static const uint8_t modes[] = { 3, 7, 0xff };
	struct kvm_pit_state2 ps2;
	int i;

	memset(&ps2, 0xff, sizeof(ps2));
	for (i = 0; i < 3; i++) {
		ps2.channels[i].mode = modes[i];
		ps2.channels[i].count = i ? 0xffffffffu : 1;
		ps2.channels[i].read_state = 9;
		ps2.channels[i].count_latched = 7;
	}
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_PIT2, &ps2));
	vcpu_run_until_hlt(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
