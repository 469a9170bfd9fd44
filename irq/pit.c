// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254's three counters as the guest sees them through ports
 * 0x40-0x43, and port 0x61 (speaker gate and channel 2's output), with
 * KVM's semantics (arch/x86/kvm/i8254.c) and the Intel 82C54 data sheet's
 * register model: control word, access modes LSB/MSB/word, counter latch,
 * read-back with status byte.
 *
 * A counter is not ticked: its value is computed from the time since its
 * count was loaded, at PIT_HZ. Channels 1 and 2 measure that with
 * ktime_get(); channel 0 measures it on its interrupt timer
 * (minikvm_pit_timer_elapsed_ns()), so, as in KVM, channel 0 reads still while no
 * timer runs (no in-kernel IOAPIC, or the HPET has taken over). The BCD
 * bit is kept and reported but counting stays binary, as in KVM.
 *
 * Environment: the vCPU thread (port handlers) or the VM ioctls, with
 * pit->lock held where a function says so.
 */
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/string.h>

#include "core/minikvm.h"
#include "irq/pit.h"

/* Nanoseconds the counter of @channel has run since its count was loaded. */
static u64 pit_elapsed_ns(struct minikvm_pit *pit, int channel)
{
	s64 t;

	if (channel == 0)
		t = minikvm_pit_timer_elapsed_ns(pit);
	else
		t = ktime_to_ns(ktime_sub(ktime_get(), pit->ch[channel].count_load_time));
	return t > 0 ? t : 0;
}

/* @d mod @n; @n is never 0 (a count of 0 is loaded as 0x10000). */
static u32 pit_mod(u64 d, u32 n)
{
	u32 rem;

	div_u64_rem(d, n, &rem);
	return rem;
}

/* Input clock pulses counted since the load. */
static u64 pit_pulses(struct minikvm_pit *pit, int channel)
{
	return mul_u64_u32_div(pit_elapsed_ns(pit, channel), PIT_HZ, NSEC_PER_SEC);
}

/*
 * The counting element now. Modes 0, 1, 4, 5 wrap past zero to 0xffff;
 * modes 2 and 3 reload; mode 3 counts down by two per pulse.
 */
static u32 pit_count_now(struct minikvm_pit *pit, int channel)
{
	struct kvm_pit_channel_state *c = &pit->ch[channel];
	u64 d = pit_pulses(pit, channel);

	switch (c->mode) {
	case 0:
	case 1:
	case 4:
	case 5:
		return (c->count - d) & 0xffff;
	case 3:
		return c->count - pit_mod(2 * d, c->count);
	default:
		return c->count - pit_mod(d, c->count);
	}
}

/* The OUT pin now, as the data sheet's waveform for each mode gives it. */
static int pit_out_now(struct minikvm_pit *pit, int channel)
{
	struct kvm_pit_channel_state *c = &pit->ch[channel];
	u64 d = pit_pulses(pit, channel);

	switch (c->mode) {
	case 1:
		return d < c->count;
	case 2:
		return d && !pit_mod(d, c->count);
	case 3:
		return pit_mod(d, c->count) < ((c->count + 1) >> 1);
	case 4:
	case 5:
		return d == c->count;
	default:	/* mode 0, and a channel never programmed */
		return d >= c->count;
	}
}

/* Counter latch command, or read-back with COUNT clear. */
static void pit_latch_count(struct minikvm_pit *pit, int channel)
{
	struct kvm_pit_channel_state *c = &pit->ch[channel];

	/* A second latch before the first is read changes nothing. */
	if (c->count_latched)
		return;
	c->latched_count = pit_count_now(pit, channel);
	c->count_latched = c->rw_mode;
}

/* Read-back with STATUS clear: OUT, access mode, mode, BCD. */
static void pit_latch_status(struct minikvm_pit *pit, int channel)
{
	struct kvm_pit_channel_state *c = &pit->ch[channel];

	if (c->status_latched)
		return;
	/* Bit 6, NULL COUNT, reads 0 as in KVM. */
	c->status = pit_out_now(pit, channel) << 7 | c->rw_mode << 4 | c->mode << 1 | c->bcd;
	c->status_latched = 1;
}

/* Gate input of channel 2 (port 0x61 bit 0); 1 and 5 retrigger on a rise. */
static void pit_set_gate(struct minikvm_pit *pit, int channel, u8 gate)
{
	struct kvm_pit_channel_state *c = &pit->ch[channel];

	if (c->mode >= 1 && c->mode <= 5 && c->mode != 4 && gate > c->gate)
		c->count_load_time = ktime_get();
	c->gate = gate;
}

/**
 * minikvm_pit_load_count() - a new initial count reaches counter @channel
 * @pit: the PIT, lock held
 * @channel: 0-2
 * @val: the count; 0 means 0x10000
 *
 * Channels 1 and 2 restart from now; channel 0 (re)arms or stops its
 * interrupt timer by its mode: one-shot for 0, 1, 4, periodic for 2, 3.
 */
void minikvm_pit_load_count(struct minikvm_pit *pit, int channel, u32 val)
{
	struct kvm_pit_channel_state *c = &pit->ch[channel];

	c->count = val ? val : 0x10000;
	if (channel) {
		c->count_load_time = ktime_get();
		return;
	}
	switch (c->mode) {
	case 0:
	case 1:
	case 4:
		minikvm_pit_timer_start(pit, c->count, false);
		break;
	case 2:
	case 3:
		minikvm_pit_timer_start(pit, c->count, true);
		break;
	default:
		minikvm_pit_timer_stop(pit);
	}
}

/* Power-on state, as KVM's: no mode, count 0x10000, gate 2 low. */
void minikvm_pit_reset(struct minikvm_pit *pit)
{
	int i;

	pit->flags = 0;
	for (i = 0; i < ARRAY_SIZE(pit->ch); i++) {
		pit->ch[i].mode = 0xff;
		pit->ch[i].gate = i != 2;
		minikvm_pit_load_count(pit, i, 0);
	}
	minikvm_pit_reset_reinject(pit);
}

/* Control word to port 0x43: read-back, latch, or a new mode. */
static void pit_write_control(struct minikvm_pit *pit, u8 val)
{
	int channel = val >> 6;
	struct kvm_pit_channel_state *c;
	u8 access = (val >> 4) & 3;

	if (channel == 3) {
		/* Read-back: bits 1-3 pick counters, bit 5 clear latches the
		 * count, bit 4 clear the status.
		 */
		for (channel = 0; channel < 3; channel++) {
			if (!(val & (2 << channel)))
				continue;
			if (!(val & 0x20))
				pit_latch_count(pit, channel);
			if (!(val & 0x10))
				pit_latch_status(pit, channel);
		}
		return;
	}
	if (!access) {
		pit_latch_count(pit, channel);
		return;
	}
	c = &pit->ch[channel];
	c->rw_mode = access;
	c->read_state = access;
	c->write_state = access;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)	/* 6 and 7 are modes 2 and 3 */
		c->mode -= 4;
	c->bcd = val & 1;
}

/* A byte of the initial count to port 0x40 + @channel. */
static void pit_write_count(struct minikvm_pit *pit, int channel, u8 val)
{
	struct kvm_pit_channel_state *c = &pit->ch[channel];

	switch (c->write_state) {
	case PIT_RW_MSB:
		minikvm_pit_load_count(pit, channel, val << 8);
		break;
	case PIT_RW_WORD_LO:
		c->write_latch = val;
		c->write_state = PIT_RW_WORD_HI;
		break;
	case PIT_RW_WORD_HI:
		minikvm_pit_load_count(pit, channel, c->write_latch | val << 8);
		c->write_state = PIT_RW_WORD_LO;
		break;
	default:	/* PIT_RW_LSB, or garbage from KVM_SET_PIT2 */
		minikvm_pit_load_count(pit, channel, val);
	}
}

/* One byte of a latched count, in the access mode's order. */
static u8 pit_read_latched(struct kvm_pit_channel_state *c)
{
	switch (c->count_latched) {
	case PIT_RW_MSB:
		c->count_latched = 0;
		return c->latched_count >> 8;
	case PIT_RW_WORD_LO:
		c->count_latched = PIT_RW_MSB;
		return c->latched_count;
	default:
		c->count_latched = 0;
		return c->latched_count;
	}
}

/* One byte of the running count; word mode alternates low, high. */
static u8 pit_read_live(struct minikvm_pit *pit, int channel)
{
	struct kvm_pit_channel_state *c = &pit->ch[channel];
	u32 count = pit_count_now(pit, channel);

	switch (c->read_state) {
	case PIT_RW_MSB:
		return count >> 8;
	case PIT_RW_WORD_LO:
		c->read_state = PIT_RW_WORD_HI;
		return count;
	case PIT_RW_WORD_HI:
		c->read_state = PIT_RW_WORD_LO;
		return count >> 8;
	default:
		return count;
	}
}

static struct minikvm_pit *dev_to_pit(struct minikvm_io_device *dev)
{
	return container_of(dev, struct minikvm_pit, dev);
}

static int pit_port_write(struct minikvm_vcpu *vcpu, struct minikvm_io_device *dev,
			  u64 addr, unsigned int len, const void *val)
{
	struct minikvm_pit *pit = dev_to_pit(dev);
	unsigned int port = addr - PIT_BASE_PORT;
	u8 byte = *(const u8 *)val;	/* wider OUTs: the low byte, as KVM */

	mutex_lock(&pit->lock);
	if (port == 3)
		pit_write_control(pit, byte);
	else
		pit_write_count(pit, port, byte);
	mutex_unlock(&pit->lock);
	return 0;
}

static int pit_port_read(struct minikvm_vcpu *vcpu, struct minikvm_io_device *dev,
			 u64 addr, unsigned int len, void *val)
{
	struct minikvm_pit *pit = dev_to_pit(dev);
	unsigned int port = addr - PIT_BASE_PORT;
	struct kvm_pit_channel_state *c;
	u8 byte;

	memset(val, 0, len);
	/* The control word cannot be read back (KVM leaves the data alone). */
	if (port == 3)
		return 0;
	c = &pit->ch[port];
	mutex_lock(&pit->lock);
	if (c->status_latched) {
		c->status_latched = 0;
		byte = c->status;
	} else if (c->count_latched) {
		byte = pit_read_latched(c);
	} else {
		byte = pit_read_live(pit, port);
	}
	mutex_unlock(&pit->lock);
	*(u8 *)val = byte;
	return 0;
}

const struct minikvm_io_ops minikvm_pit_io_ops = {
	.read	= pit_port_read,
	.write	= pit_port_write,
};

/*
 * Port 0x61 (KVM_PIT_SPEAKER_DUMMY): bit 0 gates channel 2, bit 1 is the
 * speaker data enable (kept in KVM_PIT_FLAGS_SPEAKER_DATA_ON).
 */
static int pit_speaker_write(struct minikvm_vcpu *vcpu, struct minikvm_io_device *dev,
			     u64 addr, unsigned int len, const void *val)
{
	struct minikvm_pit *pit = container_of(dev, struct minikvm_pit, speaker);
	u8 byte = *(const u8 *)val;

	if (addr != PIT_SPEAKER_PORT)
		return -EOPNOTSUPP;
	mutex_lock(&pit->lock);
	if (byte & 2)
		pit->flags |= KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	else
		pit->flags &= ~KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	pit_set_gate(pit, 2, byte & 1);
	mutex_unlock(&pit->lock);
	return 0;
}

/*
 * Reads: bit 0 gate, bit 1 speaker data, bit 4 the DRAM refresh
 * toggle (about 15 us on a PC; KVM flips it every 2^14 ns), bit 5
 * channel 2's OUT, which a guest polls to time its TSC calibration.
 */
static int pit_speaker_read(struct minikvm_vcpu *vcpu, struct minikvm_io_device *dev,
			    u64 addr, unsigned int len, void *val)
{
	struct minikvm_pit *pit = container_of(dev, struct minikvm_pit, speaker);
	u8 refresh = (ktime_get_ns() >> 14) & 1;
	u8 byte;

	if (addr != PIT_SPEAKER_PORT)
		return -EOPNOTSUPP;
	mutex_lock(&pit->lock);
	byte = pit->ch[2].gate | !!(pit->flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON) << 1 |
	       refresh << 4 | pit_out_now(pit, 2) << 5;
	mutex_unlock(&pit->lock);
	memset(val, 0, len);
	*(u8 *)val = byte;
	return 0;
}

const struct minikvm_io_ops minikvm_pit_speaker_ops = {
	.read	= pit_speaker_read,
	.write	= pit_speaker_write,
};
