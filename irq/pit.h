/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel 8254 PIT and its port 0x61 (irq/pit.c, irq/pit_timer.c,
 * irq/pit_ioctl.c; Documentation/pit.rst). Created by KVM_CREATE_PIT2,
 * freed with the VM.
 *
 * Locking: @lock (a mutex: the port handlers run in the vCPU thread under
 * the I/O bus's SRCU and may sleep) covers the channels, @flags and the
 * programming of the timer. The hrtimer callback reads only what is set
 * while the timer is cancelled, and talks to the worker through atomics;
 * the worker raises GSI 0 in process context.
 */
#ifndef MINIKVM_IRQ_PIT_H
#define MINIKVM_IRQ_PIT_H

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/kvm.h>

#include "core/iobus.h"

#define PIT_BASE_PORT		0x40
#define PIT_NR_PORTS		4		/* counters 0-2, control word */
#define PIT_SPEAKER_PORT	0x61
#define PIT_SPEAKER_LEN		4		/* KVM's range; only 0x61 answers */
#define PIT_HZ			1193181		/* KVM's KVM_PIT_FREQ */

/* Which byte of a 16-bit count the next access moves (read/write state). */
enum pit_rw_state {
	PIT_RW_LSB = 1,		/* access mode 1: low byte only */
	PIT_RW_MSB = 2,		/* access mode 2: high byte only */
	PIT_RW_WORD_LO = 3,	/* access mode 3: low byte, then ... */
	PIT_RW_WORD_HI = 4,	/* ... the high byte */
};

struct minikvm_pit {
	struct minikvm_vm *vm;
	struct minikvm_io_device dev;		/* ports 0x40-0x43 */
	struct minikvm_io_device speaker;	/* port 0x61 (KVM_PIT_SPEAKER_DUMMY) */
	bool has_speaker;

	struct mutex lock;
	/* KVM's layout, so KVM_GET/SET_PIT2 copy it whole. */
	struct kvm_pit_channel_state ch[3];
	u32 flags;				/* KVM_PIT_FLAGS_* */

	/* Channel 0's interrupt timer (irq/pit_timer.c). */
	struct hrtimer timer;
	s64 period_ns;				/* 0: no timer programmed */
	bool periodic;
	struct kthread_worker *worker;
	struct kthread_work tick;		/* raises GSI 0 */
	int irq_source_id;			/* its share of GSI 0, from the routing */
	atomic_t reinject;			/* KVM_REINJECT_CONTROL, default on */
	atomic_t pending;			/* ticks not yet raised */
	atomic_t irq_ack;			/* the last raise was acknowledged */
};

/* irq/pit.c: the counters and the ports. */
extern const struct minikvm_io_ops minikvm_pit_io_ops;
extern const struct minikvm_io_ops minikvm_pit_speaker_ops;
void minikvm_pit_load_count(struct minikvm_pit *pit, int channel, u32 val);
void minikvm_pit_reset(struct minikvm_pit *pit);

/* irq/pit_timer.c: channel 0's hrtimer, the worker, reinjection. */
int minikvm_pit_timer_init(struct minikvm_pit *pit);
void minikvm_pit_timer_start(struct minikvm_pit *pit, u32 count, bool periodic);
void minikvm_pit_timer_stop(struct minikvm_pit *pit);
void minikvm_pit_timer_destroy(struct minikvm_pit *pit);
s64 minikvm_pit_timer_elapsed_ns(struct minikvm_pit *pit);
void minikvm_pit_reset_reinject(struct minikvm_pit *pit);
void minikvm_pit_set_reinject(struct minikvm_pit *pit, bool reinject);

#endif /* MINIKVM_IRQ_PIT_H */
