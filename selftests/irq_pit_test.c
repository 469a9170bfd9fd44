// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel PIT's ioctls (irq/pit_ioctl.c), as KVM 6.1 answers them
 * (arch/x86/kvm/x86.c):
 *
 *  - KVM_CAP_PIT, KVM_CAP_PIT2, KVM_CAP_PIT_STATE2, KVM_CAP_REINJECT_CONTROL;
 *  - KVM_CREATE_PIT2 works without an irqchip, once: a second PIT (either
 *    ioctl) is -EEXIST; only KVM_PIT_SPEAKER_DUMMY of its flags counts;
 *  - without a PIT the state ioctls are -ENXIO, but an argument they read
 *    in first is checked first (-EFAULT);
 *  - the power-on state, KVM_SET_PIT2 / KVM_GET_PIT2 round trips (flags
 *    kept as given, count 0 meaning 0x10000), KVM_GET/SET_PIT on the same
 *    channels, and a rejected call that changes nothing;
 *  - KVM_REINJECT_CONTROL both ways;
 *  - with KVM_CREATE_IRQCHIP, channel 0's ticks reach the master PIC.
 */
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "minikvm_test.h"
#include "kvm_util.h"

TEST(capabilities)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);

	EXPECT_EQ(1, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_PIT));
	EXPECT_EQ(1, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_PIT2));
	EXPECT_EQ(1, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_PIT_STATE2));
	EXPECT_EQ(1, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_REINJECT_CONTROL));
	EXPECT_EQ(1, ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_PIT2));
	vm_free(vm);
}

TEST(create_once)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_pit_config config = { .flags = 0 };

	EXPECT_EQ(-1, ioctl(vm->fd, KVM_CREATE_PIT2, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, ioctl(vm->fd, KVM_CREATE_PIT2, &config));
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_CREATE_PIT2, &config));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_CREATE_PIT));
	EXPECT_EQ(EEXIST, errno);
	/* A vCPU after the PIT, and a PIT after a vCPU (next VM): both fine. */
	vcpu_free(vcpu_create(vm, 0));
	vm_free(vm);

	vm = vm_create(GUEST_MEM_SIZE);
	vcpu_free(vcpu_create(vm, 0));
	EXPECT_EQ(0, ioctl(vm->fd, KVM_CREATE_PIT));
	vm_free(vm);
}

/* KVM 6.1 looks at KVM_PIT_SPEAKER_DUMMY only: other bits are ignored. */
TEST(create_other_flags)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_pit_config config = { .flags = 0x80000000u | KVM_PIT_SPEAKER_DUMMY };

	EXPECT_EQ(0, ioctl(vm->fd, KVM_CREATE_PIT2, &config));
	vm_free(vm);
}

TEST(no_pit)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_pit_state2 ps2 = {};
	struct kvm_pit_state ps = {};
	struct kvm_reinject_control rc = { .pit_reinject = 1 };

	EXPECT_EQ(-1, ioctl(vm->fd, KVM_GET_PIT2, &ps2));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_GET_PIT2, NULL));	/* nothing read in */
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_PIT2, &ps2));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_PIT2, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_GET_PIT, &ps));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_GET_PIT, NULL));	/* KVM reads it in first */
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_PIT, &ps));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_REINJECT_CONTROL, &rc));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_REINJECT_CONTROL, NULL));
	EXPECT_EQ(EFAULT, errno);
	vm_free(vm);
}

static struct kvm_vm *vm_with_pit(uint32_t flags)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_pit_config config = { .flags = flags };

	TEST_ASSERT(!ioctl(vm->fd, KVM_CREATE_PIT2, &config), "KVM_CREATE_PIT2: %d", errno);
	return vm;
}

/* Power-on: no mode (0xff), count 0x10000, gates 1, 1, 0, flags 0. */
TEST(reset_state)
{
	struct kvm_vm *vm = vm_with_pit(0);
	struct kvm_pit_state2 ps2;
	int i;

	memset(&ps2, 0xa5, sizeof(ps2));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_PIT2, &ps2));
	EXPECT_EQ(0u, ps2.flags);
	for (i = 0; i < 9; i++)
		EXPECT_EQ(0u, ps2.reserved[i]);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0x10000u, ps2.channels[i].count);
		EXPECT_EQ(0xff, ps2.channels[i].mode);
		EXPECT_EQ(i != 2, ps2.channels[i].gate);
		EXPECT_EQ(0, ps2.channels[i].rw_mode);
		EXPECT_EQ(0, ps2.channels[i].count_latched);
		EXPECT_EQ(0, ps2.channels[i].status_latched);
	}
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_GET_PIT2, NULL));
	EXPECT_EQ(EFAULT, errno);
	vm_free(vm);
}

static void fill_channel(struct kvm_pit_channel_state *c, int i)
{
	c->count = 1000 + i;
	c->latched_count = 0x1234 + i;
	c->count_latched = 3;
	c->status_latched = 1;
	c->status = 0x36;
	c->read_state = 4;
	c->write_state = 3;
	c->write_latch = 0x5a;
	c->rw_mode = 3;
	c->mode = i == 1 ? 3 : 2;
	c->bcd = 1;
	c->gate = 1;
	c->count_load_time = 123456789;
}

/* Every field but channels 1-2's load time (now) comes back as set. */
static void expect_channels(struct __test_metadata *_metadata,
			    const struct kvm_pit_channel_state *want,
			    const struct kvm_pit_channel_state *got)
{
	int i;

	for (i = 0; i < 3; i++) {
		EXPECT_EQ(want[i].count ? want[i].count : 0x10000, got[i].count);
		EXPECT_EQ(want[i].latched_count, got[i].latched_count);
		EXPECT_EQ(want[i].count_latched, got[i].count_latched);
		EXPECT_EQ(want[i].status_latched, got[i].status_latched);
		EXPECT_EQ(want[i].status, got[i].status);
		EXPECT_EQ(want[i].read_state, got[i].read_state);
		EXPECT_EQ(want[i].write_state, got[i].write_state);
		EXPECT_EQ(want[i].write_latch, got[i].write_latch);
		EXPECT_EQ(want[i].rw_mode, got[i].rw_mode);
		EXPECT_EQ(want[i].mode, got[i].mode);
		EXPECT_EQ(want[i].bcd, got[i].bcd);
		EXPECT_EQ(want[i].gate, got[i].gate);
		/* Channels 1 and 2 were loaded again: their time is now. */
		EXPECT_EQ(i == 0, want[i].count_load_time == got[i].count_load_time);
	}
}

TEST(state2_round_trip)
{
	struct kvm_vm *vm = vm_with_pit(KVM_PIT_SPEAKER_DUMMY);
	struct kvm_pit_state2 set = {}, get, before;
	struct kvm_pit_state ps;
	int i;

	for (i = 0; i < 3; i++)
		fill_channel(&set.channels[i], i);
	set.channels[2].count = 0;	/* 0x10000 */
	set.flags = KVM_PIT_FLAGS_HPET_LEGACY | KVM_PIT_FLAGS_SPEAKER_DATA_ON | 0x100;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_PIT2, &set));
	memset(&get, 0xa5, sizeof(get));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_PIT2, &get));
	expect_channels(_metadata, set.channels, get.channels);
	/* Flags are KVM's to keep as given, unknown bits too. */
	EXPECT_EQ(set.flags, get.flags);
	for (i = 0; i < 9; i++)
		EXPECT_EQ(0u, get.reserved[i]);

	/* KVM_GET_PIT: the same channels. */
	memset(&ps, 0, sizeof(ps));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_PIT, &ps));
	EXPECT_EQ(0, memcmp(ps.channels, get.channels, sizeof(ps.channels)));

	/* HPET legacy off again, then KVM_SET_PIT: flags untouched by it. */
	set.flags = 0;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_PIT2, &set));
	memcpy(ps.channels, set.channels, sizeof(ps.channels));
	ps.channels[1].count = 77;
	ps.channels[1].mode = 0;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_PIT, &ps));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_PIT2, &get));
	expect_channels(_metadata, ps.channels, get.channels);
	EXPECT_EQ(0u, get.flags);

	/* Rejected calls change nothing. */
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_PIT2, &before));
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_PIT2, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_PIT, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_PIT2, &get));
	EXPECT_EQ(0, memcmp(&before, &get, sizeof(get)));
	vm_free(vm);
}

TEST(reinject_control)
{
	struct kvm_vm *vm = vm_with_pit(0);
	struct kvm_reinject_control rc = { .pit_reinject = 0 };

	EXPECT_EQ(0, ioctl(vm->fd, KVM_REINJECT_CONTROL, &rc));
	EXPECT_EQ(0, ioctl(vm->fd, KVM_REINJECT_CONTROL, &rc));
	rc.pit_reinject = 1;
	EXPECT_EQ(0, ioctl(vm->fd, KVM_REINJECT_CONTROL, &rc));
	rc.pit_reinject = 0x80;	/* any non-zero value means on */
	EXPECT_EQ(0, ioctl(vm->fd, KVM_REINJECT_CONTROL, &rc));
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_REINJECT_CONTROL, NULL));
	EXPECT_EQ(EFAULT, errno);
	vm_free(vm);
}

/* A VM freed with its PIT running a count: teardown leaves nothing behind. */
TEST(free_with_pit)
{
	struct kvm_vm *vm = vm_with_pit(KVM_PIT_SPEAKER_DUMMY);
	struct kvm_pit_state2 ps2;

	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_PIT2, &ps2));
	ps2.channels[0].mode = 2;
	ps2.channels[0].count = 100;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_PIT2, &ps2));
	vcpu_free(vcpu_create(vm, 0));
	vm_free(vm);
}

/*
 * With KVM_CREATE_IRQCHIP, channel 0 in mode 2 pulses GSI 0: the master
 * PIC latches the edge in IRR bit 0 (no guest takes it here). The VM is
 * then freed with the timer running.
 */
TEST(ticks_reach_the_pic)
{
	struct kvm_vm *vm = vm_create(GUEST_MEM_SIZE);
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	struct kvm_pit_config config = { .flags = 0 };
	struct kvm_pit_state2 ps2;
	struct kvm_vcpu *vcpu;

	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_PIT2, &config));
	vcpu = vcpu_create(vm, 0);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(0, chip.chip.pic.irr & 1);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_PIT2, &ps2));
	ps2.channels[0].mode = 2;
	ps2.channels[0].count = 1193;	/* 1 ms */
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_PIT2, &ps2));
	usleep(50000);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(1, chip.chip.pic.irr & 1);
	vcpu_free(vcpu);
	vm_free(vm);
}

MINIKVM_TEST_MAIN
