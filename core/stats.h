/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters of one vCPU, and the debugfs tree that shows them
 * (core/stats.c, Documentation/observability.rst).
 *
 * The counters are plain u64s bumped by the vCPU thread itself, which is
 * the only writer (vcpu->mutex serializes KVM_RUN), so the exit path pays
 * one increment and no atomic or lock. Two are bumped by other threads
 * too, whoever posts an interrupt or kicks the vCPU (irq/posted.c, from
 * any CPU and from hard-IRQ context): irq_posted and kicks are atomic64_t,
 * eight bytes holding the count as the u64s do, so the readers take every
 * counter alike. Readers in debugfs may see a value one increment old; on
 * x86-64 a naturally aligned u64 load never tears.
 */
#ifndef MINIKVM_CORE_STATS_H
#define MINIKVM_CORE_STATS_H

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/types.h>

/*
 * Basic exit reasons counted one by one. 6.1's <uapi/asm/vmx.h> ends at
 * EXIT_REASON_NOTIFY (75); anything above lands in exits_other.
 */
#define MINIKVM_STAT_EXIT_REASONS	80

struct minikvm_vcpu_stat {
	u64 exits[MINIKVM_STAT_EXIT_REASONS];	/* by basic exit reason */
	u64 exits_other;		/* basic reason beyond the table */
	u64 exits_to_user;		/* KVM_RUN returns with exit_reason set */
	u64 ept_faults;			/* EPT violations that mapped a page */
	u64 pages_4k;			/* EPT leaf mappings made, by size */
	u64 pages_2m;
	u64 mmio_exits;			/* accesses outside every memory slot */
	u64 injections;			/* events written to the entry fields */
	u64 irq_injections;		/* of which external interrupts */
	u64 nmi_injections;		/* of which NMIs */
	u64 irq_window_exits;		/* interrupt-window exits */
	u64 nmi_window_exits;		/* NMI-window exits */
	u64 request_irq_exits;		/* KVM_EXIT_IRQ_WINDOW_OPEN returns */
	atomic64_t irq_posted;		/* vectors posted to this vCPU's LAPIC */
	atomic64_t kicks;		/* kicks of this vCPU: IPIs and wakeups */
	u64 halt_wakeup;		/* halts ended by an event */
};

static_assert(sizeof(atomic64_t) == sizeof(u64));

struct minikvm_vm;
struct minikvm_vcpu;
struct minikvm_vm_debugfs;

void minikvm_debugfs_init(void);
void minikvm_debugfs_exit(void);
void minikvm_debugfs_vm_create(struct minikvm_vm *vm);
void minikvm_debugfs_vm_destroy(struct minikvm_vm *vm);
void minikvm_debugfs_vcpu_create(struct minikvm_vcpu *vcpu);
void minikvm_debugfs_set_entry_failure(char *text);

#endif /* MINIKVM_CORE_STATS_H */
