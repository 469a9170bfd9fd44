/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minikvm's tracepoints, system "minikvm": ftrace shows them under
 * /sys/kernel/tracing/events/minikvm/, perf as minikvm:<event>. They
 * mirror KVM's kvm:kvm_entry, kvm:kvm_exit, kvm:kvm_userspace_exit,
 * kvm:kvm_inj_exception and kvm:kvm_mmio, so a reader who knows one set
 * knows the other.
 *
 * Every value comes in as an argument: this file reads no vendor state.
 * The callers (core/observe.h) fetch what costs a VMREAD (the guest RIP)
 * only while the event is enabled, so a disabled tracepoint costs the
 * exit path one patched-out branch.
 *
 * Out-of-tree module: define_trace.h re-includes this file by the name
 * TRACE_INCLUDE_PATH/TRACE_INCLUDE_FILE, so Kbuild adds core/ to the
 * include path of core/trace.o, the one file with CREATE_TRACE_POINTS.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM minikvm

#if !defined(MINIKVM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define MINIKVM_TRACE_H

#include <linux/kvm.h>
#include <linux/tracepoint.h>
#include <asm/vmx.h>

#include "core/minikvm.h"

/*
 * Symbol tables are written out inside TP_printk: perf reads them from the
 * format file, and interruption types follow SDM Vol. 3C, "VM-Entry
 * Controls for Event Injection".
 */
TRACE_EVENT(minikvm_entry,
	TP_PROTO(struct minikvm_vcpu *vcpu, unsigned long rip),
	TP_ARGS(vcpu, rip),

	TP_STRUCT__entry(
		__field(unsigned int,	vcpu_id)
		__field(unsigned long,	rip)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu->id;
		__entry->rip = rip;
	),

	TP_printk("vcpu %u rip 0x%lx", __entry->vcpu_id, __entry->rip)
);

TRACE_EVENT(minikvm_exit,
	TP_PROTO(struct minikvm_vcpu *vcpu, u32 reason, unsigned long qualification,
		 unsigned long rip),
	TP_ARGS(vcpu, reason, qualification, rip),

	TP_STRUCT__entry(
		__field(unsigned int,	vcpu_id)
		__field(u32,		reason)
		__field(unsigned long,	qualification)
		__field(unsigned long,	rip)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu->id;
		__entry->reason = reason;
		__entry->qualification = qualification;
		__entry->rip = rip;
	),

	TP_printk("vcpu %u reason %s%s qual 0x%lx rip 0x%lx",
		  __entry->vcpu_id,
		  __print_symbolic(__entry->reason & 0xffff, VMX_EXIT_REASONS),
		  (__entry->reason & VMX_EXIT_REASONS_FAILED_VMENTRY) ? " FAILED_VMENTRY" : "",
		  __entry->qualification, __entry->rip)
);

TRACE_EVENT(minikvm_userspace_exit,
	TP_PROTO(struct minikvm_vcpu *vcpu, int ret),
	TP_ARGS(vcpu, ret),

	TP_STRUCT__entry(
		__field(unsigned int,	vcpu_id)
		__field(u32,		exit_reason)
		__field(int,		ret)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu->id;
		__entry->exit_reason = vcpu->run->exit_reason;
		__entry->ret = ret;
	),

	TP_printk("vcpu %u reason %s ret %d", __entry->vcpu_id,
		  __print_symbolic(__entry->exit_reason,
				   { KVM_EXIT_UNKNOWN, "UNKNOWN" },
				   { KVM_EXIT_EXCEPTION, "EXCEPTION" },
				   { KVM_EXIT_IO, "IO" },
				   { KVM_EXIT_HYPERCALL, "HYPERCALL" },
				   { KVM_EXIT_DEBUG, "DEBUG" },
				   { KVM_EXIT_HLT, "HLT" },
				   { KVM_EXIT_MMIO, "MMIO" },
				   { KVM_EXIT_IRQ_WINDOW_OPEN, "IRQ_WINDOW_OPEN" },
				   { KVM_EXIT_SHUTDOWN, "SHUTDOWN" },
				   { KVM_EXIT_FAIL_ENTRY, "FAIL_ENTRY" },
				   { KVM_EXIT_INTR, "INTR" },
				   { KVM_EXIT_SET_TPR, "SET_TPR" },
				   { KVM_EXIT_TPR_ACCESS, "TPR_ACCESS" },
				   { KVM_EXIT_NMI, "NMI" },
				   { KVM_EXIT_INTERNAL_ERROR, "INTERNAL_ERROR" },
				   { KVM_EXIT_SYSTEM_EVENT, "SYSTEM_EVENT" },
				   { KVM_EXIT_X86_RDMSR, "X86_RDMSR" },
				   { KVM_EXIT_X86_WRMSR, "X86_WRMSR" }),
		  __entry->ret)
);

TRACE_EVENT(minikvm_inject,
	TP_PROTO(struct minikvm_vcpu *vcpu, u32 intr_info, bool reinjected),
	TP_ARGS(vcpu, intr_info, reinjected),

	TP_STRUCT__entry(
		__field(unsigned int,	vcpu_id)
		__field(u8,		vector)
		__field(u32,		type)
		__field(bool,		reinjected)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu->id;
		__entry->vector = intr_info & INTR_INFO_VECTOR_MASK;
		__entry->type = intr_info & INTR_INFO_INTR_TYPE_MASK;
		__entry->reinjected = reinjected;
	),

	TP_printk("vcpu %u vector %u type %s%s", __entry->vcpu_id, __entry->vector,
		  __print_symbolic(__entry->type,
				   { INTR_TYPE_EXT_INTR, "EXT_INTR" },
				   { INTR_TYPE_NMI_INTR, "NMI" },
				   { INTR_TYPE_HARD_EXCEPTION, "HARD_EXCEPTION" },
				   { INTR_TYPE_SOFT_INTR, "SOFT_INTR" },
				   { INTR_TYPE_PRIV_SW_EXCEPTION, "PRIV_SW_EXCEPTION" },
				   { INTR_TYPE_SOFT_EXCEPTION, "SOFT_EXCEPTION" },
				   { INTR_TYPE_OTHER_EVENT, "OTHER_EVENT" }),
		  __entry->reinjected ? " reinjected" : "")
);

TRACE_EVENT(minikvm_requeue,
	TP_PROTO(struct minikvm_vcpu *vcpu, unsigned int kind, u8 vector),
	TP_ARGS(vcpu, kind, vector),

	TP_STRUCT__entry(
		__field(unsigned int,	vcpu_id)
		__field(unsigned int,	kind)
		__field(u8,		vector)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu->id;
		__entry->kind = kind;
		__entry->vector = vector;
	),

	TP_printk("vcpu %u %s %u delivery cut short, injected again", __entry->vcpu_id,
		  __print_symbolic(__entry->kind,
				   { MINIKVM_EVENT_EXCEPTION, "exception" },
				   { MINIKVM_EVENT_SOFT_EXCEPTION, "soft exception" },
				   { MINIKVM_EVENT_NMI, "NMI" },
				   { MINIKVM_EVENT_INTR, "interrupt" },
				   { MINIKVM_EVENT_SOFT_INTR, "soft interrupt" }),
		  __entry->vector)
);

TRACE_EVENT(minikvm_window,
	TP_PROTO(struct minikvm_vcpu *vcpu, unsigned int window, bool opened),
	TP_ARGS(vcpu, window, opened),

	TP_STRUCT__entry(
		__field(unsigned int,	vcpu_id)
		__field(unsigned int,	window)
		__field(bool,		opened)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu->id;
		__entry->window = window;
		__entry->opened = opened;
	),

	TP_printk("vcpu %u %s window %s", __entry->vcpu_id,
		  __entry->window == MINIKVM_WINDOW_NMI ? "NMI" : "interrupt",
		  __entry->opened ? "open" : "requested")
);

TRACE_EVENT(minikvm_ept_violation,
	TP_PROTO(struct minikvm_vcpu *vcpu, u64 gpa, unsigned long qualification),
	TP_ARGS(vcpu, gpa, qualification),

	TP_STRUCT__entry(
		__field(unsigned int,	vcpu_id)
		__field(u64,		gpa)
		__field(unsigned long,	qualification)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu->id;
		__entry->gpa = gpa;
		__entry->qualification = qualification;
	),

	TP_printk("vcpu %u gpa 0x%llx qual 0x%lx access %s", __entry->vcpu_id,
		  __entry->gpa, __entry->qualification,
		  __print_flags(__entry->qualification & 7, "",
				{ EPT_VIOLATION_ACC_READ, "R" },
				{ EPT_VIOLATION_ACC_WRITE, "W" },
				{ EPT_VIOLATION_ACC_INSTR, "X" }))
);

TRACE_EVENT(minikvm_mmio,
	TP_PROTO(struct minikvm_vcpu *vcpu, u64 gpa, unsigned int len, bool write),
	TP_ARGS(vcpu, gpa, len, write),

	TP_STRUCT__entry(
		__field(unsigned int,	vcpu_id)
		__field(u64,		gpa)
		__field(unsigned int,	len)
		__field(bool,		write)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu->id;
		__entry->gpa = gpa;
		__entry->len = len;
		__entry->write = write;
	),

	TP_printk("vcpu %u %s gpa 0x%llx len %u", __entry->vcpu_id,
		  __entry->write ? "write" : "read", __entry->gpa, __entry->len)
);

/* The in-kernel LAPIC (irq/): register accesses, IPIs, EOIs, posting, kicks. */
TRACE_EVENT(minikvm_apic_access,
	TP_PROTO(struct minikvm_vcpu *vcpu, u32 reg, u32 val, bool write),
	TP_ARGS(vcpu, reg, val, write),

	TP_STRUCT__entry(
		__field(unsigned int,	vcpu_id)
		__field(u32,		reg)
		__field(u32,		val)
		__field(bool,		write)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu->id;
		__entry->reg = reg;
		__entry->val = val;
		__entry->write = write;
	),

	TP_printk("vcpu %u apic_%s reg 0x%x = 0x%x", __entry->vcpu_id,
		  __entry->write ? "write" : "read", __entry->reg, __entry->val)
);

TRACE_EVENT(minikvm_apic_ipi,
	TP_PROTO(struct minikvm_vcpu *vcpu, u32 icr_low, u32 dest),
	TP_ARGS(vcpu, icr_low, dest),

	TP_STRUCT__entry(
		__field(unsigned int,	vcpu_id)
		__field(u32,		icr_low)
		__field(u32,		dest)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu->id;
		__entry->icr_low = icr_low;
		__entry->dest = dest;
	),

	TP_printk("vcpu %u icr 0x%x dest 0x%x", __entry->vcpu_id, __entry->icr_low,
		  __entry->dest)
);

TRACE_EVENT(minikvm_apic_eoi,
	TP_PROTO(struct minikvm_vcpu *vcpu, int vector),
	TP_ARGS(vcpu, vector),

	TP_STRUCT__entry(
		__field(unsigned int,	vcpu_id)
		__field(int,		vector)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu->id;
		__entry->vector = vector;
	),

	TP_printk("vcpu %u vector 0x%x", __entry->vcpu_id, __entry->vector)
);

TRACE_EVENT(minikvm_irq_post,
	TP_PROTO(struct minikvm_vcpu *vcpu, u8 vector),
	TP_ARGS(vcpu, vector),

	TP_STRUCT__entry(
		__field(unsigned int,	vcpu_id)
		__field(u8,		vector)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu->id;
		__entry->vector = vector;
	),

	TP_printk("vcpu %u vector 0x%x", __entry->vcpu_id, __entry->vector)
);

TRACE_EVENT(minikvm_kick,
	TP_PROTO(struct minikvm_vcpu *vcpu, int cpu, bool ipi),
	TP_ARGS(vcpu, cpu, ipi),

	TP_STRUCT__entry(
		__field(unsigned int,	vcpu_id)
		__field(int,		cpu)
		__field(bool,		ipi)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu->id;
		__entry->cpu = cpu;
		__entry->ipi = ipi;
	),

	TP_printk("vcpu %u cpu %d %s", __entry->vcpu_id, __entry->cpu,
		  __entry->ipi ? "ipi" : "wake")
);

#endif /* MINIKVM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
