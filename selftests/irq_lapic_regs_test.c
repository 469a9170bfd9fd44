// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel LAPIC's registers (irq/lapic.c, irq/lapic_regs.c), with
 * KVM_CAP_SPLIT_IRQCHIP on both devices:
 *
 *  - KVM_CAP_SPLIT_IRQCHIP's rules: once, before vCPUs, args[0] bounded;
 *  - KVM's reset values as KVM_GET_LAPIC shows them, the BSP runnable and
 *    the other vCPUs waiting for INIT (KVM_MP_STATE_UNINITIALIZED);
 *  - a guest on the xAPIC page: version, ID, SVR, TPR and PPR, a
 *    self-IPI held back by TPR (in IRR) then delivered once when TPR
 *    drops, in service during its handler and gone after its EOI;
 *  - CR8 is TPR[7:4] in KVM_GET/SET_SREGS and in kvm_run;
 *  - a 64-bit guest's MOV to CR8 holds a self-IPI back (PPR and IRR as
 *    the guest reads them through the x2APIC MSRs) and, lowered, lets it
 *    in before the next instruction (with a TPR shadow: the
 *    TPR-below-threshold exit; without: the CR8 exit; with
 *    virtual-interrupt delivery: no exit at all);
 *  - the xAPIC page's exits: none for a read and an APIC-write exit for
 *    a write with virtualized APIC accesses, an MMIO decode for each
 *    without;
 *  - x2APIC mode through MSRs: the ID is the vCPU id, the LDR derived
 *    from it, TPR writable, and the MSRs #GP (KVM_GET_MSRS stops) in
 *    xAPIC mode;
 *  - KVM_SET_LAPIC and KVM_SET_MP_STATE round trips and their errors.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "guest_util.h"
#include "kvm_util.h"
#include "lapic_util.h"
#include "uapi/minikvm.h"

#define COUNT_GPA	0x8000
#define ISR_SEEN_GPA	0x8004
#define VEC		0x40
#define PORT_DONE	0x11

asm(GUEST_ASM_BEGIN(regs_guest, ".code32")
	"mov $0xfee00000, %esi\n"
	"mov 0x30(%esi), %eax\n out %eax, $0x10\n"	/* version */
	"mov 0x20(%esi), %eax\n out %eax, $0x10\n"	/* ID */
	"movl $0x1ff, 0xf0(%esi)\n"
	"mov 0xf0(%esi), %eax\n out %eax, $0x10\n"	/* SVR */
	"movl $0x50, 0x80(%esi)\n"
	"mov 0xa0(%esi), %eax\n out %eax, $0x10\n"	/* PPR */
	"sti\n"
	"movl $0x44040, 0x300(%esi)\n"			/* self-IPI, vector 0x40 */
	"nop\n"
	"mov 0x8000, %eax\n out %eax, $0x10\n"		/* not yet: TPR 0x50 */
	"mov 0x220(%esi), %eax\n out %eax, $0x10\n"	/* IRR 0x40-0x5f */
	"movl $0, 0x80(%esi)\n"
	"nop\n"
	"mov 0x8000, %eax\n out %eax, $0x10\n"		/* delivered once */
	"mov 0x120(%esi), %eax\n out %eax, $0x10\n"	/* ISR after EOI */
	"mov 0x8004, %eax\n out %eax, $0x10\n"		/* ISR in the handler */
	"movl $0x12345678, 0x3f0(%esi)\n"		/* SELF IPI: not in xAPIC mode */
	"movl $0x20, 0x80(%esi)\n"
	"cli\n"
	"1: out %eax, $0x11\n jmp 1b\n"
	"regs_guest_handler:\n"
	"incl 0x8000\n"
	"mov 0x120(%esi), %eax\n mov %eax, 0x8004\n"
	"movl $0, 0xb0(%esi)\n"
	"iret\n"
	GUEST_ASM_END(regs_guest));
GUEST_CODE(regs_guest);
extern const char regs_guest_handler[];

/*
 * x2APIC mode, 64-bit: SVR on, CR8 = 5, a self-IPI of vector 0x40
 * (class 4) waits in IRR; CR8 = 0 must let it in at once.
 */
asm(GUEST_ASM_BEGIN(cr8_guest, ".code64")
	"mov $0x80f, %ecx\n mov $0x1ff, %eax\n xor %edx, %edx\n wrmsr\n"
	"mov $5, %eax\n mov %rax, %cr8\n"
	"sti\n"
	"mov $0x83f, %ecx\n mov $0x40, %eax\n wrmsr\n"	/* SELF IPI */
	"nop\n"
	"mov $0x80a, %ecx\n rdmsr\n out %eax, $0x10\n"	/* PPR */
	"mov $0x822, %ecx\n rdmsr\n out %eax, $0x10\n"	/* IRR 0x40-0x5f */
	"mov 0x8000, %eax\n out %eax, $0x10\n"		/* not yet: CR8 5 */
	"xor %eax, %eax\n mov %rax, %cr8\n"
	"nop\n"
	"mov 0x8000, %eax\n out %eax, $0x10\n"		/* delivered once */
	"mov %cr8, %rax\n out %eax, $0x10\n"
	"cli\n"
	"1: out %eax, $0x11\n jmp 1b\n"
	"cr8_guest_handler:\n"
	"incl 0x8000\n"
	"push %rax\n push %rcx\n push %rdx\n"
	"mov $0x80b, %ecx\n xor %eax, %eax\n xor %edx, %edx\n wrmsr\n"	/* EOI */
	"pop %rdx\n pop %rcx\n pop %rax\n"
	"iretq\n"
	GUEST_ASM_END(cr8_guest));
GUEST_CODE(cr8_guest);
extern const char cr8_guest_handler[];

/* NR_XAPIC reads of the version and writes of LDR, then LDR reported. */
#define NR_XAPIC	1000
#define STR(x)		#x
#define XSTR(x)		STR(x)
asm(GUEST_ASM_BEGIN(xapic_loop_guest, ".code32")
	"mov $0xfee00000, %esi\n"
	"mov $" XSTR(NR_XAPIC) ", %ecx\n"
	"1: mov 0x30(%esi), %eax\n"
	"movl $0x02000000, 0xd0(%esi)\n"
	"dec %ecx\n jnz 1b\n"
	"mov 0xd0(%esi), %eax\n out %eax, $0x10\n"
	"1: out %eax, $0x11\n jmp 1b\n"
	GUEST_ASM_END(xapic_loop_guest));
GUEST_CODE(xapic_loop_guest);

static int enable_split(struct kvm_vm *vm, uint64_t pins)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { pins } };

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

TEST(split_irqchip_cap)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu;

	EXPECT_LT(0, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_SPLIT_IRQCHIP));
	EXPECT_EQ(-1, enable_split(vm, 4097));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, enable_split(vm, IOAPIC_PINS));
	EXPECT_EQ(-1, enable_split(vm, IOAPIC_PINS));
	EXPECT_EQ(EEXIST, errno);
	vm_free(vm);

	vm = vm_create(GUEST_MEM_SIZE);
	vcpu = vcpu_create(vm, 0);
	EXPECT_EQ(-1, enable_split(vm, IOAPIC_PINS));
	EXPECT_EQ(EEXIST, errno);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(no_lapic_errors)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_lapic_state s;

	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_GET_LAPIC, &s));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_LAPIC, &s));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, vcpu_set_mp_state(vcpu, KVM_MP_STATE_HALTED));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, vcpu_mp_state(vcpu));
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(reset_state)
{
	struct kvm_vm *vm = vm_create_split();
	struct kvm_vcpu *vcpu[2] = { vcpu_create(vm, 0), vcpu_create(vm, 1) };
	struct kvm_lapic_state s;
	uint64_t base;
	int i, lvt;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, ioctl(vcpu[i]->fd, KVM_GET_LAPIC, &s));
		EXPECT_EQ((uint32_t)i << 24, lapic_reg(&s, 0x20));
		EXPECT_EQ(0x50014u, lapic_reg(&s, 0x30));
		EXPECT_EQ(0u, lapic_reg(&s, 0x80));
		EXPECT_EQ(0xffffffffu, lapic_reg(&s, 0xe0));
		EXPECT_EQ(0xffu, lapic_reg(&s, 0xf0));
		/* KVM_X86_QUIRK_LINT0_REENABLED: the BSP's LINT0 is ExtINT, unmasked. */
		for (lvt = 0x320; lvt <= 0x370; lvt += 0x10)
			EXPECT_EQ(lvt == 0x350 && !i ? 0x700u : 0x10000u, lapic_reg(&s, lvt));
		ASSERT_EQ(1, vcpu_get_msr(vcpu[i], 0x1b, &base));
		EXPECT_EQ(i ? 0xfee00800ull : 0xfee00900ull, base);
	}
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, vcpu_mp_state(vcpu[0]));
	EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, vcpu_mp_state(vcpu[1]));
	vcpu_free(vcpu[1]);
	vcpu_free(vcpu[0]);
	vm_free(vm);
}

TEST(guest_registers)
{
	static const uint32_t want[] = { 0x50014, 0, 0x1ff, 0x50, 0, 1, 1, 0, 1 };
	struct kvm_vm *vm = vm_create_split();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint32_t *count = vm_gpa(vm, COUNT_GPA);
	unsigned int i;

	vm_load_guest(vm, CODE_GPA, regs_guest);
	vcpu_setup_prot32(vcpu, CODE_GPA, false);
	vcpu_setup_prot32_idt(vcpu);
	idt32_set(vm, VEC, guest_label_gpa(CODE_GPA, regs_guest, regs_guest_handler));
	for (i = 0; i < ARRAY_SIZE(want); i++)
		EXPECT_EQ(want[i], vcpu_run_until_out(vcpu, PORT_RESULT)) TH_LOG("step %u", i + 1);
	vcpu_run_until_out(vcpu, PORT_DONE);
	EXPECT_EQ(1u, *count);
	/* kvm_run's cr8 is TPR[7:4] with the LAPIC in the kernel. */
	EXPECT_EQ(2u, vcpu->run->cr8);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * What the xAPIC page costs in exits, from minikvm's per-vCPU exit table:
 * with virtualized APIC accesses (apicv apic_access) a read is served
 * from the virtual-APIC page with no exit and an LDR write is one
 * trap-like APIC-write exit, no decode; without, each access is an EPT
 * misconfiguration (after the first, an EPT violation) and a decode. On
 * KVM only the LDR the guest reads back is checked.
 */
TEST(xapic_page_exits)
{
	struct kvm_vm *vm = vm_create_split();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct minikvm_vmx_info info = { 0 };
	long long ept, write, access;
	char dir[256], vdir[300];

	vm_load_guest(vm, CODE_GPA, xapic_loop_guest);
	vcpu_setup_prot32(vcpu, CODE_GPA, false);
	EXPECT_EQ(0x02000000u, vcpu_run_until_out(vcpu, PORT_RESULT));
	if (test_dev_is_minikvm()) {
		ASSERT_EQ(0, ioctl(vm->dev_fd, MINIKVM_GET_VMX_INFO, &info));
		ASSERT_EQ(0, test_stats_vm_dir("/sys/kernel/debug/minikvm", dir, sizeof(dir)));
		snprintf(vdir, sizeof(vdir), "%s/vcpu0", dir);
		ept = test_stats_exits(vdir, "EPT_MISCONFIG") + test_stats_exits(vdir, "EPT_VIOLATION");
		write = test_stats_exits(vdir, "APIC_WRITE");
		access = test_stats_exits(vdir, "APIC_ACCESS");
		printf("# %d xAPIC reads and writes: %lld EPT, %lld APIC-write, %lld APIC-access exits\n",
		       NR_XAPIC, ept, write, access);
		if (info.apicv & MINIKVM_APICV_APIC_ACCESS) {
			EXPECT_EQ(NR_XAPIC, write);
			EXPECT_EQ(0, access);
			EXPECT_GT(NR_XAPIC / 100, ept);
		} else {
			EXPECT_LE(2 * NR_XAPIC, ept);
			EXPECT_EQ(0, write);
		}
	}
	vcpu_free(vcpu);
	vm_free(vm);
}

static void set_x2apic_cpuid(struct kvm_vcpu *vcpu)
{
	struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(vcpu->vm->dev_fd);
	struct kvm_cpuid_entry2 *e = cpuid_find(cpuid, 1, 0);

	e->ecx |= 1u << 21;
	vcpu_set_cpuid(vcpu, cpuid);
	free(cpuid);
}

TEST(cr8_releases_interrupt)
{
	static const uint32_t want[] = { 0x50, 1, 0, 1, 0 };
	struct kvm_vm *vm = vm_create_split();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint64_t *idt = vm_gpa(vm, IDT_GPA);
	uint64_t h = guest_label_gpa(CODE_GPA, cr8_guest, cr8_guest_handler);
	uint32_t *count = vm_gpa(vm, COUNT_GPA);
	struct kvm_sregs sregs;
	unsigned int i;

	set_x2apic_cpuid(vcpu);
	ASSERT_EQ(1, vcpu_set_msr(vcpu, 0x1b, 0xfee00000ull | 0xd00));
	vm_load_guest(vm, CODE_GPA, cr8_guest);
	vcpu_setup_long(vcpu, CODE_GPA);
	vcpu_setup_long_idt(vcpu);
	/* 64-bit interrupt gate for VEC, DPL 0. */
	idt[2 * VEC] = (h & 0xffff) | ((uint64_t)SEL_CODE64 << 16) | (0x8eull << 40) |
		       ((h >> 16) & 0xffff) << 48;
	idt[2 * VEC + 1] = h >> 32;
	vcpu_get_sregs(vcpu, &sregs);
	sregs.idt.limit = (VEC + 1) * 16 - 1;
	vcpu_set_sregs(vcpu, &sregs);
	for (i = 0; i < ARRAY_SIZE(want); i++)
		EXPECT_EQ(want[i], vcpu_run_until_out(vcpu, PORT_RESULT)) TH_LOG("step %u", i + 1);
	vcpu_run_until_out(vcpu, PORT_DONE);
	EXPECT_EQ(1u, *count);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(x2apic_msrs)
{
	struct kvm_vm *vm = vm_create_split();
	struct kvm_vcpu *vcpu[2] = { vcpu_create(vm, 0), vcpu_create(vm, 1) };
	struct kvm_lapic_state s;
	uint64_t v;
	int i;

	for (i = 0; i < 2; i++) {
		set_x2apic_cpuid(vcpu[i]);
		/* xAPIC mode: the x2APIC MSRs do not exist. */
		EXPECT_EQ(0, vcpu_get_msr(vcpu[i], 0x802, &v));
		ASSERT_EQ(1, vcpu_set_msr(vcpu[i], 0x1b, (i ? 0xfee00000ull : 0xfee00100ull) | 0xc00));
		ASSERT_EQ(1, vcpu_get_msr(vcpu[i], 0x802, &v));
		EXPECT_EQ((uint64_t)i, v);
		ASSERT_EQ(1, vcpu_get_msr(vcpu[i], 0x80d, &v));
		EXPECT_EQ(1ull << i, v);
		/* Directed EOI: x2APIC in CPUID and the IOAPIC in userspace. */
		ASSERT_EQ(1, vcpu_get_msr(vcpu[i], 0x803, &v));
		EXPECT_EQ(0x1050014ull, v);
		ASSERT_EQ(1, vcpu_set_msr(vcpu[i], 0x808, 0x30));
		ASSERT_EQ(1, vcpu_get_msr(vcpu[i], 0x808, &v));
		EXPECT_EQ(0x30ull, v);
		/* DFR is gone in x2APIC mode; bits 63:32 of TPR are reserved. */
		EXPECT_EQ(0, vcpu_get_msr(vcpu[i], 0x80e, &v));
		EXPECT_EQ(0, vcpu_set_msr(vcpu[i], 0x808, 1ull << 32));
		/* KVM_GET_LAPIC shows the ID in the xAPIC place. */
		ASSERT_EQ(0, ioctl(vcpu[i]->fd, KVM_GET_LAPIC, &s));
		EXPECT_EQ((uint32_t)i << 24, lapic_reg(&s, 0x20));
		EXPECT_EQ(0x30u, lapic_reg(&s, 0x80));
	}
	vcpu_free(vcpu[1]);
	vcpu_free(vcpu[0]);
	vm_free(vm);
}

TEST(set_lapic_and_mp_state)
{
	struct kvm_vm *vm = vm_create_split();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_lapic_state s, t;
	struct kvm_sregs sregs;

	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_LAPIC, &s));
	*(uint32_t *)(s.regs + 0x80) = 0x30;
	*(uint32_t *)(s.regs + 0xd0) = 0x01000000;
	*(uint32_t *)(s.regs + 0xf0) = 0x1ff;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_LAPIC, &s));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_LAPIC, &t));
	EXPECT_EQ(0x30u, lapic_reg(&t, 0x80));
	EXPECT_EQ(0x01000000u, lapic_reg(&t, 0xd0));
	EXPECT_EQ(0x1ffu, lapic_reg(&t, 0xf0));
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_LAPIC, (void *)8));
	EXPECT_EQ(EFAULT, errno);

	/* CR8 is TPR[7:4]: KVM_SET_SREGS sets TPR, KVM_SET_LAPIC sets CR8. */
	vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(3u, sregs.cr8);
	sregs.cr8 = 5;
	vcpu_set_sregs(vcpu, &sregs);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_LAPIC, &t));
	EXPECT_EQ(0x50u, lapic_reg(&t, 0x80));

	EXPECT_EQ(0, vcpu_set_mp_state(vcpu, KVM_MP_STATE_HALTED));
	EXPECT_EQ(KVM_MP_STATE_HALTED, vcpu_mp_state(vcpu));
	EXPECT_EQ(0, vcpu_set_mp_state(vcpu, KVM_MP_STATE_INIT_RECEIVED));
	EXPECT_EQ(KVM_MP_STATE_INIT_RECEIVED, vcpu_mp_state(vcpu));
	/* A SIPI for a vCPU in INIT_RECEIVED: taken at once, runnable. */
	EXPECT_EQ(0, vcpu_set_mp_state(vcpu, KVM_MP_STATE_SIPI_RECEIVED));
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, vcpu_mp_state(vcpu));
	EXPECT_EQ(0, vcpu_set_mp_state(vcpu, KVM_MP_STATE_UNINITIALIZED));
	EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, vcpu_mp_state(vcpu));
	EXPECT_EQ(-1, vcpu_set_mp_state(vcpu, 99));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, vcpu_mp_state(vcpu));
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
