// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel LAPIC with the VMM's PIC and IOAPIC (KVM_CAP_SPLIT_IRQCHIP),
 * as KVM answers it (irq/lapic.c, irq/lapic_deliver.c, irq/routing.c):
 *
 *  - ExtINT by KVM_INTERRUPT: the vector reaches the guest's handler once,
 *    through LINT0, without touching ISR; a second KVM_INTERRUPT before
 *    the first went in is -EEXIST;
 *  - KVM_EXIT_IOAPIC_EOI: the EOI of a level-triggered vector that an MSI
 *    route of one of the reserved IOAPIC pins names for this LAPIC exits
 *    with that vector; the EOI of a level MSI no such route names does
 *    not (KVM's ioapic_handled_vectors);
 *  - NMIs through LINT1 the way KVM has them: the VMM's PIC/LINT1 path is
 *    KVM_NMI, which reaches the guest's NMI handler with LVT LINT1 in NMI
 *    mode, and masked too (KVM does not look at LINT1 there);
 *  - x2APIC cluster-mode logical destinations: a self-IPI to a logical
 *    destination arrives exactly when its cluster (bits 31:16) is the
 *    LDR's and its bits 15:0 share one with the LDR's.
 */
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"
#include "lapic_util.h"

#define PORT_DONE	0x11

static struct kvm_vcpu *prot32_vcpu(struct kvm_vm *vm, int id)
{
	struct kvm_vcpu *vcpu = vcpu_create(vm, id);

	vcpu_setup_prot32(vcpu, CODE_GPA, false);
	vcpu_setup_prot32_idt(vcpu);
	return vcpu;
}

/*
 * EOI exits: the handler of 0x50 and of 0x51 EOIs; the host sends a level
 * MSI of each and the guest reports after each handler.
 */
asm(GUEST_ASM_BEGIN(eoi_guest, ".code32")
	"movl $0x1ff, 0xfee000f0\n"
	"sti\n"
	"out %eax, $0x10\n"			/* ready for 0x50 */
	"1: cli\n cmpl $1, 0x8000\n jae 2f\n sti\n hlt\n jmp 1b\n"
	"2: sti\n out %eax, $0x10\n"		/* ready for 0x51 */
	"3: cli\n cmpl $2, 0x8000\n jae 4f\n sti\n hlt\n jmp 3b\n"
	"4: sti\n"
	"mov 0x8000, %eax\n out %eax, $0x10\n"
	"5: out %eax, $0x11\n jmp 5b\n"
	"eoi_guest_handler:\n"
	"incl 0x8000\n"
	"movl $0, 0xfee000b0\n"
	"iret\n"
	GUEST_ASM_END(eoi_guest));
GUEST_CODE(eoi_guest);
extern const char eoi_guest_handler[];

/* Level-triggered, asserted, fixed, physical APIC 0. */
#define LEVEL_MSI(vec)	((vec) | (1u << 15) | (1u << 14))

TEST(ioapic_eoi_exit)
{
	struct kvm_vm *vm = vm_create_split();
	struct kvm_vcpu *vcpu = prot32_vcpu(vm, 0);
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[1];
	} rt = {
		.hdr.nr = 1,
		.e = { { .gsi = 5, .type = KVM_IRQ_ROUTING_MSI,
			 .u.msi = { .address_lo = 0xfee00000, .data = LEVEL_MSI(0x50) } } },
	};
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = LEVEL_MSI(0x50) };

	vm_load_guest(vm, CODE_GPA, eoi_guest);
	idt32_set(vm, 0x50, guest_label_gpa(CODE_GPA, eoi_guest, eoi_guest_handler));
	idt32_set(vm, 0x51, guest_label_gpa(CODE_GPA, eoi_guest, eoi_guest_handler));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt));

	/* 0x50: pin 5's route names it, so its EOI goes to the VMM. */
	vcpu_run_until_out(vcpu, PORT_RESULT);
	EXPECT_EQ(1, ioctl(vm->fd, KVM_SIGNAL_MSI, &msi));
	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_IOAPIC_EOI, vcpu->run->exit_reason)
		TH_LOG("exit %s", exit_reason_str(vcpu->run->exit_reason));
	EXPECT_EQ(0x50, vcpu->run->eoi.vector);
	EXPECT_EQ(1u, *(uint32_t *)vm_gpa(vm, 0x8000));

	/* 0x51: level too, but no reserved pin's route names it: no exit. */
	vcpu_run_until_out(vcpu, PORT_RESULT);
	msi.data = LEVEL_MSI(0x51);
	EXPECT_EQ(1, ioctl(vm->fd, KVM_SIGNAL_MSI, &msi));
	vcpu_run(vcpu);
	EXPECT_EQ(KVM_EXIT_IO, vcpu->run->exit_reason)
		TH_LOG("exit %s, EOI vector %#x", exit_reason_str(vcpu->run->exit_reason),
		       vcpu->run->eoi.vector);
	EXPECT_EQ(2u, *(uint32_t *)vm_gpa(vm, 0x8000));
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * NMIs: LINT1 in NMI mode, then masked; the NMI handler counts. Each NMI
 * is given while the vCPU is out of KVM_RUN, so it arrives at the entry,
 * before the test of the count: no HLT can miss it.
 */
asm(GUEST_ASM_BEGIN(nmi_guest, ".code32")
	"movl $0x1ff, 0xfee000f0\n"
	"movl $0x400, 0xfee00360\n"		/* LVT LINT1: NMI */
	"out %eax, $0x10\n"			/* 1: host sends KVM_NMI */
	"1: cmpl $1, 0x8000\n jae 2f\n hlt\n jmp 1b\n"
	"2: movl $0x10400, 0xfee00360\n"		/* LVT LINT1: NMI, masked */
	"out %eax, $0x10\n"			/* 2: host sends KVM_NMI */
	"3: cmpl $2, 0x8000\n jae 4f\n hlt\n jmp 3b\n"
	"4: mov $200, %ecx\n 5: nop\n loop 5b\n"
	"mov 0x8000, %eax\n out %eax, $0x10\n"	/* 3: NMI handler runs */
	"6: out %eax, $0x11\n jmp 6b\n"
	"nmi_guest_handler:\n"
	"incl 0x8000\n"
	"iret\n"
	GUEST_ASM_END(nmi_guest));
GUEST_CODE(nmi_guest);
extern const char nmi_guest_handler[];

TEST(lint1_nmi_by_kvm_nmi)
{
	struct kvm_vm *vm = vm_create_split();
	struct kvm_vcpu *vcpu = prot32_vcpu(vm, 0);
	struct kvm_lapic_state lapic;

	vm_load_guest(vm, CODE_GPA, nmi_guest);
	idt32_set(vm, 2, guest_label_gpa(CODE_GPA, nmi_guest, nmi_guest_handler));
	vcpu_run_until_out(vcpu, PORT_RESULT);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic));
	EXPECT_EQ(0x400u, lapic_reg(&lapic, 0x360));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_NMI));
	vcpu_run_until_out(vcpu, PORT_RESULT);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_NMI));
	EXPECT_EQ(2u, vcpu_run_until_out(vcpu, PORT_RESULT)) TH_LOG("NMI handler runs");
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * x2APIC (CPUID.1:ECX[21] given), APIC ID 5: LDR is cluster 0, bit 5
 * (0x20). Self-IPIs of vector 0x60 to logical destinations, the count
 * reported after each; then the LDR.
 */
asm(GUEST_ASM_BEGIN(cluster_guest, ".code32")
	"mov $0x1b, %ecx\n rdmsr\n or $0xc00, %eax\n wrmsr\n"	/* x2APIC on */
	"mov $0x80f, %ecx\n mov $0x1ff, %eax\n xor %edx, %edx\n wrmsr\n"	/* SVR */
	"sti\n"
	"mov $0x8010, %ebx\n"			/* the destinations, 0-terminated */
	"1: mov (%ebx), %edx\n test %edx, %edx\n jz 3f\n"
	"mov $0x830, %ecx\n mov $0x4860, %eax\n wrmsr\n"	/* fixed, logical, 0x60 */
	"mov $200, %ecx\n 2: nop\n loop 2b\n"
	"mov 0x8000, %eax\n out %eax, $0x10\n"
	"add $4, %ebx\n jmp 1b\n"
	"3: mov $0x80d, %ecx\n rdmsr\n out %eax, $0x10\n"
	"4: out %eax, $0x11\n jmp 4b\n"
	"cluster_guest_handler:\n"
	"incl 0x8000\n"
	"push %ecx\n push %eax\n push %edx\n"
	"mov $0x80b, %ecx\n xor %eax, %eax\n xor %edx, %edx\n wrmsr\n"	/* EOI */
	"pop %edx\n pop %eax\n pop %ecx\n"
	"iret\n"
	GUEST_ASM_END(cluster_guest));
GUEST_CODE(cluster_guest);
extern const char cluster_guest_handler[];

TEST(x2apic_cluster_logical)
{
	static const struct {
		uint32_t dest;
		uint32_t count;		/* handler runs after it */
	} steps[] = {
		{ 0x00000020, 1 },	/* its cluster, its bit */
		{ 0x00010020, 1 },	/* cluster 1: not it */
		{ 0x00000010, 1 },	/* its cluster, another bit */
		{ 0x00000030, 2 },	/* its bit among others */
		{ 0xffffffff, 3 },	/* broadcast */
	};
	struct kvm_vm *vm = vm_create_split();
	struct kvm_vcpu *vcpu = prot32_vcpu(vm, 5);
	struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(vm->dev_fd);
	uint32_t *dests = vm_gpa(vm, 0x8010);
	unsigned int i;

	cpuid_find(cpuid, 1, 0)->ecx |= 1u << 21;	/* x2APIC */
	vcpu_set_cpuid(vcpu, cpuid);
	free(cpuid);
	vm_load_guest(vm, CODE_GPA, cluster_guest);
	idt32_set(vm, 0x60, guest_label_gpa(CODE_GPA, cluster_guest, cluster_guest_handler));
	for (i = 0; i < ARRAY_SIZE(steps); i++)
		dests[i] = steps[i].dest;
	/* vCPU 5 is not the BSP: start it here instead of by INIT/SIPI. */
	ASSERT_EQ(0, vcpu_set_mp_state(vcpu, KVM_MP_STATE_RUNNABLE));
	for (i = 0; i < ARRAY_SIZE(steps); i++)
		EXPECT_EQ(steps[i].count, vcpu_run_until_out(vcpu, PORT_RESULT))
			TH_LOG("destination %#x", steps[i].dest);
	EXPECT_EQ(0x20u, vcpu_run_until_out(vcpu, PORT_RESULT)) TH_LOG("LDR");
	vcpu_free(vcpu);
	vm_free(vm);
}

/* ExtINT: wait in HLT for the handler of 0x30, report its count. */
asm(GUEST_ASM_BEGIN(extint_guest, ".code32")
	"movl $0x1ff, 0xfee000f0\n"
	"sti\n"
	"out %eax, $0x10\n"			/* 1: ready */
	"1: cli\n cmpl $1, 0x8000\n jae 2f\n sti\n hlt\n jmp 1b\n"
	"2: sti\n mov $200, %ecx\n 4: nop\n loop 4b\n"	/* room for a wrong second one */
	"mov 0x8000, %eax\n out %eax, $0x10\n"	/* 2: handler runs */
	"mov 0xfee00110, %eax\n out %eax, $0x10\n"	/* 3: ISR 0x20-0x3f */
	"3: out %eax, $0x11\n jmp 3b\n"
	"extint_guest_handler:\n"
	"incl 0x8000\n"
	"iret\n"
	GUEST_ASM_END(extint_guest));
GUEST_CODE(extint_guest);
extern const char extint_guest_handler[];

TEST(extint_by_kvm_interrupt)
{
	struct kvm_vm *vm = vm_create_split();
	struct kvm_vcpu *vcpu = prot32_vcpu(vm, 0);
	struct kvm_interrupt irq = { .irq = 0x30 };

	vm_load_guest(vm, CODE_GPA, extint_guest);
	idt32_set(vm, 0x30, guest_label_gpa(CODE_GPA, extint_guest, extint_guest_handler));
	idt32_set(vm, 0x31, guest_label_gpa(CODE_GPA, extint_guest, extint_guest_handler));
	vcpu_run_until_out(vcpu, PORT_RESULT);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	irq.irq = 0x31;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(1u, vcpu_run_until_out(vcpu, PORT_RESULT)) TH_LOG("handler runs");
	EXPECT_EQ(0u, vcpu_run_until_out(vcpu, PORT_RESULT)) TH_LOG("ISR bits of 0x20-0x3f");
	/* Taken: the next one is accepted again. */
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
