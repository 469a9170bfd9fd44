// SPDX-License-Identifier: GPL-2.0
/*
 * Coalesced MMIO and PIO (core/coalesced_mmio.c): writes into a
 * registered zone land in the ring at KVM_COALESCED_MMIO_PAGE_OFFSET of
 * the vCPU mmap, with no exit; a full ring makes the write exit as an
 * ordinary MMIO exit; an unregistered zone exits again; and ring indices
 * a hostile VMM writes make writes exit instead of landing anywhere.
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "minikvm_test.h"
#include "kvm_util.h"

/* RAM ends below MMIO_GPA, which real mode reaches as 0xd000:0. */
#define TEST_MEM_SIZE	0x80000ul
#define MMIO_GPA	0xd0000ul
#define RING_MAX	((4096 - sizeof(struct kvm_coalesced_mmio_ring)) / \
			 sizeof(struct kvm_coalesced_mmio))
#define NR_WRITES	100
#define STR_(x)		#x
#define STR(x)		STR_(x)

asm(GUEST_ASM_BEGIN(coal_guest, ".code16")
	"movw $0xd000, %bx\n"
	"movw %bx, %ds\n"
	"movl $0x11223344, 0x10\n"	/* MMIO zone: ring entry 0 */
	"movb $5, %al\n"
	"outb %al, $0x70\n"		/* PIO zone: ring entry 1 */
	"movw $0x99, 0x200\n"		/* outside the zone: exit */
	"movw $" STR(NR_WRITES) ", %cx\n"
	"1: movb %cl, 0x10\n"		/* fills the ring, then exits */
	"loop 1b\n"
	"xorw %bx, %bx\n"
	"movw %bx, %ds\n"
	"movl $0x600d, %eax\n"
	"outl %eax, $0x10\n"
	"hlt\n"
	GUEST_ASM_END(coal_guest));
GUEST_CODE(coal_guest);

/*
 * KVM's test for room, kept bit for bit: the difference is taken modulo
 * 2^32 before modulo RING_MAX, which is no power of two, so a ring whose
 * "first" is not ahead of "last" fills before RING_MAX - 1 entries.
 */
static bool ring_has_room(uint32_t first, uint32_t last)
{
	return (uint32_t)(first - last - 1) % RING_MAX;
}

/* How many writes the ring takes, from these indices, before one exits. */
static unsigned int ring_takes(uint32_t first, uint32_t last)
{
	unsigned int n = 0;

	while (ring_has_room(first, last)) {
		last = (last + 1) % RING_MAX;
		n++;
	}
	return n;
}

struct coal {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_coalesced_mmio_ring *ring;
};

static int zone(struct kvm_vm *vm, unsigned long ioctl_nr, uint64_t addr, uint32_t size,
		uint32_t pio)
{
	struct kvm_coalesced_mmio_zone z = { .addr = addr, .size = size, .pio = pio };

	return ioctl(vm->fd, ioctl_nr, &z) ? -errno : 0;
}

static void coal_setup(struct coal *c)
{
	c->vm = vm_create(TEST_MEM_SIZE);
	c->vcpu = vcpu_create(c->vm, 0);
	c->ring = (void *)((uint8_t *)c->vcpu->run + KVM_COALESCED_MMIO_PAGE_OFFSET * 4096);
	vm_load_guest(c->vm, CODE_GPA, coal_guest);
	vcpu_setup_real(c->vcpu, CODE_GPA);
}

static void coal_free(struct coal *c)
{
	vcpu_free(c->vcpu);
	vm_free(c->vm);
}

TEST(capabilities_and_errors)
{
	struct kvm_vm *vm = vm_create(TEST_MEM_SIZE);

	EXPECT_EQ(KVM_COALESCED_MMIO_PAGE_OFFSET,
		  ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO));
	EXPECT_EQ(1, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO));
	EXPECT_LE((KVM_COALESCED_MMIO_PAGE_OFFSET + 1) * 4096, vm->run_size);
	EXPECT_EQ(-EINVAL, zone(vm, KVM_REGISTER_COALESCED_MMIO, MMIO_GPA, 16, 2));
	EXPECT_EQ(-EINVAL, zone(vm, KVM_UNREGISTER_COALESCED_MMIO, MMIO_GPA, 16, 2));
	/* Removing what is not there is no error, as in KVM. */
	EXPECT_EQ(0, zone(vm, KVM_UNREGISTER_COALESCED_MMIO, MMIO_GPA, 16, 0));
	vm_free(vm);
}

TEST(ring_contents_and_full_ring)
{
	struct kvm_coalesced_mmio *e;
	unsigned int stored, rest, last;
	struct coal c;
	struct kvm_run *run;

	coal_setup(&c);
	run = c.vcpu->run;
	ASSERT_EQ(0, zone(c.vm, KVM_REGISTER_COALESCED_MMIO, MMIO_GPA, 0x100, 0));
	ASSERT_EQ(0, zone(c.vm, KVM_REGISTER_COALESCED_MMIO, 0x70, 2, 1));

	vcpu_run(c.vcpu);
	ASSERT_EQ(KVM_EXIT_MMIO, run->exit_reason);
	EXPECT_EQ(MMIO_GPA + 0x200, run->mmio.phys_addr);
	ASSERT_EQ(0u, c.ring->first);
	ASSERT_EQ(2u, c.ring->last);
	e = c.ring->coalesced_mmio;
	EXPECT_EQ(MMIO_GPA + 0x10, e[0].phys_addr);
	EXPECT_EQ(4u, e[0].len);
	EXPECT_EQ(0u, e[0].pio);
	EXPECT_EQ(0x11223344u, *(uint32_t *)e[0].data);
	EXPECT_EQ(0x70ull, e[1].phys_addr);
	EXPECT_EQ(1u, e[1].len);
	EXPECT_EQ(1u, e[1].pio);
	EXPECT_EQ(5, e[1].data[0]);
	c.ring->first = 2;

	/* The ring fills; the write after that exits as an MMIO write. */
	stored = ring_takes(2, 2);
	ASSERT_LT(stored, NR_WRITES);
	vcpu_run(c.vcpu);
	ASSERT_EQ(KVM_EXIT_MMIO, run->exit_reason);
	EXPECT_EQ(MMIO_GPA + 0x10, run->mmio.phys_addr);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ((uint8_t)(NR_WRITES - stored), run->mmio.data[0]);
	EXPECT_EQ((2 + stored) % RING_MAX, c.ring->last);
	EXPECT_EQ((uint8_t)NR_WRITES, e[2].data[0]);
	EXPECT_EQ((uint8_t)(NR_WRITES - stored + 1), e[(1 + stored) % RING_MAX].data[0]);

	/* Drained: the rest of the writes fit. */
	rest = NR_WRITES - stored - 1;
	last = c.ring->last;
	ASSERT_LE(rest, ring_takes(last, last));
	c.ring->first = last;
	EXPECT_EQ(0x600du, vcpu_run_until_out(c.vcpu, PORT_RESULT));
	EXPECT_EQ((last + rest) % RING_MAX, c.ring->last);
	EXPECT_EQ(1u, e[(last + rest - 1) % RING_MAX].data[0]);
	coal_free(&c);
}

TEST(unregister_exits_again)
{
	struct coal c;
	struct kvm_run *run;

	coal_setup(&c);
	run = c.vcpu->run;
	ASSERT_EQ(0, zone(c.vm, KVM_REGISTER_COALESCED_MMIO, MMIO_GPA, 0x100, 0));
	/* A range no zone holds whole removes nothing. */
	ASSERT_EQ(0, zone(c.vm, KVM_UNREGISTER_COALESCED_MMIO, MMIO_GPA + 0xf0, 0x20, 0));
	ASSERT_EQ(0, zone(c.vm, KVM_UNREGISTER_COALESCED_MMIO, MMIO_GPA, 0x100, 1));
	ASSERT_EQ(0, zone(c.vm, KVM_UNREGISTER_COALESCED_MMIO, MMIO_GPA + 0x10, 4, 0));

	vcpu_run(c.vcpu);
	ASSERT_EQ(KVM_EXIT_MMIO, run->exit_reason);
	EXPECT_EQ(MMIO_GPA + 0x10, run->mmio.phys_addr);
	EXPECT_EQ(0u, c.ring->last);
	/* The PIO zone was never registered: the OUT exits too. */
	vcpu_run(c.vcpu);
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason);
	EXPECT_EQ(0x70, run->io.port);
	coal_free(&c);
}

TEST(hostile_ring_indices)
{
	struct coal c;
	struct kvm_run *run;
	uint8_t *page;
	unsigned int i;
	bool beyond_clean = true;

	coal_setup(&c);
	run = c.vcpu->run;
	page = (uint8_t *)c.ring;
	ASSERT_EQ(0, zone(c.vm, KVM_REGISTER_COALESCED_MMIO, MMIO_GPA, 0x100, 0));
	ASSERT_EQ(0, zone(c.vm, KVM_REGISTER_COALESCED_MMIO, 0x70, 1, 1));

	/* "last" past the ring: the write exits, nothing is stored. */
	c.ring->last = 0x80000000u;
	c.ring->first = 0x7fffffffu;
	vcpu_run(c.vcpu);
	ASSERT_EQ(KVM_EXIT_MMIO, run->exit_reason);
	EXPECT_EQ(MMIO_GPA + 0x10, run->mmio.phys_addr);
	EXPECT_EQ(0x80000000u, c.ring->last);
	for (i = 8; i < 4096; i++)
		beyond_clean &= !page[i];
	EXPECT_TRUE(beyond_clean);

	/* A wild "first" with a sane "last": the OUT is stored in bounds. */
	c.ring->last = RING_MAX - 1;
	c.ring->first = 0xffffffffu;
	vcpu_run(c.vcpu);
	ASSERT_EQ(KVM_EXIT_MMIO, run->exit_reason);
	EXPECT_EQ(MMIO_GPA + 0x200, run->mmio.phys_addr);
	EXPECT_EQ(0u, c.ring->last);
	EXPECT_EQ(5, c.ring->coalesced_mmio[RING_MAX - 1].data[0]);
	EXPECT_EQ(1u, c.ring->coalesced_mmio[RING_MAX - 1].pio);
	coal_free(&c);
}

MINIKVM_TEST_MAIN
