// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU run loop behind KVM_RUN: check for work the host needs done,
 * inject events, enter the guest, take the exit, dispatch it.
 *
 *   mvmx_vcpu_run()                 (after core/ ran complete_userspace_io)
 *     loop:
 *       signal pending?            -> -EINTR, KVM_EXIT_INTR
 *       need_resched?              -> cond_resched() (preempt notifiers move the VMCS)
 *       kvmclock moved?            -> minikvm_kvmclock_update() (core/kvmclock.c)
 *       halted or waiting for SIPI? -> block; INIT/SIPI (irq/posted.c)
 *       IRQs off; vcpu->mode = IN_GUEST (kicks now send an IPI);
 *         minikvm_inject_events() (irq/event.c, only if a request
 *         is made); host CR3/CR4/FS base up to date;
 *         guest DR0-3 if its DR7 arms them
 *       mvmx_vcpu_enter()           vmenter.S
 *       NMI exit?                  -> mvmx_do_interrupt_irqoff(NMI entry)
 *       machine-check exit?        -> vmx_machine_check()
 *       external-interrupt exit?   -> vmx_host_interrupt(): the host's
 *                                     handler, the exit acknowledged it
 *       IRQs on
 *       mvmx_handle_exit()          exit.c: table of handlers
 *       interrupt window open and requested?  -> KVM_EXIT_IRQ_WINDOW_OPEN
 *
 * Environment: process context of the vCPU thread, vcpu->mutex held, the
 * vCPU loaded with its preempt notifier registered (core/vcpu.c).
 */
#include <linux/kvm_host.h>
#include <linux/sched/signal.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/fsgsbase.h>
#include <asm/hw_breakpoint.h>
#include <asm/idtentry.h>
#include <asm/mce.h>
#include <asm/mmu_context.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "vmx/vmx.h"
#include "core/observe.h"
#include "irq/apic.h"
#include "irq/event.h"
#include "vmx/exit.h"
#include "vmx/speculation.h"
#include "vmx/vmenter.h"
#include "vmx/vmx_ops.h"

static_assert(VMENTER_HOST_RSP_FIELD == HOST_RSP);

/*
 * What makes the run loop stop before an entry: a signal (KVM_RUN ends
 * with KVM_EXIT_INTR) or a reschedule the thread owes. Tested as one
 * word, as KVM's xfer_to_guest_mode_work_pending() does; KVM also runs
 * TIF_NOTIFY_RESUME's work there, with functions not exported to
 * modules, so that work waits for the return to user mode here.
 */
#define VMX_HOST_WORK	(_TIF_SIGPENDING | _TIF_NOTIFY_SIGNAL | _TIF_NEED_RESCHED)

static const char * const vmx_insn_names[] = {
	[VMX_INSN_VMREAD] = "vmread", [VMX_INSN_VMWRITE] = "vmwrite",
	[VMX_INSN_VMCLEAR] = "vmclear", [VMX_INSN_VMPTRLD] = "vmptrld",
	[VMX_INSN_INVEPT] = "invept",
};

/*
 * A VMX instruction failed (VMfail): a minikvm bug. WARN once, so that
 * the test VM's kernel-log check fails, and print every failure,
 * rate-limited.
 */
void mvmx_insn_failed(enum vmx_insn insn, u64 operand, u64 value)
{
	unsigned long err = 0;

	/*
	 * A raw read: a failure here must not recurse. VMX is on (the
	 * instruction failed rather than faulted), so it cannot fault.
	 */
	asm volatile("vmread %1, %0" : "=r" (err) : "r" ((unsigned long)VM_INSTRUCTION_ERROR) : "cc");
	WARN_ONCE(1, "minikvm: %s %#llx (value %#llx) failed, VM-instruction error %lu\n",
		  vmx_insn_names[insn], operand, value, err);
	pr_warn_ratelimited("minikvm: %s %#llx (value %#llx) failed, VM-instruction error %lu\n",
			    vmx_insn_names[insn], operand, value, err);
}

/*
 * A VMX instruction faulted: VMX is off on this CPU. Expected once the
 * reboot notifier (vmxon.c) has turned it off under running vCPUs; a bug
 * otherwise. Either way the caller carries on as after a failure.
 */
void mvmx_insn_fault(enum vmx_insn insn, u64 operand)
{
	if (mvmx_is_rebooting())
		return;
	WARN_ONCE(1, "minikvm: %s %#llx faulted with VMX off\n", vmx_insn_names[insn], operand);
}

/* Host state that can change between two entries of the same vCPU. */
static void vmx_update_host_state(struct vmx_vcpu *vmx)
{
	unsigned long cr3 = __get_current_cr3_fast();
	unsigned long cr4 = cr4_read_shadow();

	if (unlikely(cr3 != vmx->host_cr3)) {
		vmcs_writel(HOST_CR3, cr3);
		vmx->host_cr3 = cr3;
	}
	if (unlikely(cr4 != vmx->host_cr4)) {
		vmcs_writel(HOST_CR4, cr4);
		vmx->host_cr4 = cr4;
	}
}

/*
 * Selectors and MSRs the VM exit does not restore to this task's values:
 * VM exit loads DS/ES/FS/GS with the (zero) host selectors and clears
 * IA32_DEBUGCTL and DR7 (SDM Vol. 3C, "Loading Host State"). A 64-bit
 * task almost always has zero selectors, so the common case costs
 * nothing.
 */
static void vmx_save_host_segments(struct vmx_vcpu *vmx)
{
	savesegment(ds, vmx->host_ds);
	savesegment(es, vmx->host_es);
	savesegment(fs, vmx->host_fs);
	savesegment(gs, vmx->host_gs);
	vmx->host_fs_base = x86_fsbase_read_cpu();
	vmcs_writel(HOST_FS_BASE, vmx->host_fs_base);
	vmx->host_debugctl = get_debugctlmsr();
}

static void vmx_restore_host_segments(struct vmx_vcpu *vmx)
{
	if (unlikely(vmx->host_ds | vmx->host_es)) {
		loadsegment(ds, vmx->host_ds);
		loadsegment(es, vmx->host_es);
	}
	if (unlikely(vmx->host_fs)) {
		loadsegment(fs, vmx->host_fs);
		x86_fsbase_write_cpu(vmx->host_fs_base);
	}
	if (unlikely(vmx->host_gs)) {
		u64 gs_base;

		/* load_gs_index() rewrites the user GS base: keep it. */
		rdmsrl(MSR_KERNEL_GS_BASE, gs_base);
		load_gs_index(vmx->host_gs);
		wrmsrl(MSR_KERNEL_GS_BASE, gs_base);
	}
	if (vmx->host_debugctl)
		update_debugctlmsr(vmx->host_debugctl);
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
}

/* One entry and exit. IRQs off on entry and return. */
static noinstr int vmx_enter_exit(struct minikvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	int fail;

	/* CR2 is not part of the VMCS: the guest's value lives in the CPU. */
	if (vmx->cr2 != native_read_cr2())
		native_write_cr2(vmx->cr2);
	guest_state_enter_irqoff();
	vmx_flush_l1d();
	fail = mvmx_vcpu_enter(vmx->regs, vmx->launched);
	guest_state_exit_irqoff();
	vmx->cr2 = native_read_cr2();
	return fail;
}

/* The event behind an exception/NMI or external-interrupt exit, or 0. */
static u32 vmx_exit_event(u32 reason)
{
	if ((u16)reason != EXIT_REASON_EXCEPTION_NMI &&
	    (u16)reason != EXIT_REASON_EXTERNAL_INTERRUPT)
		return 0;
	return vmcs_read32(VM_EXIT_INTR_INFO);
}

static bool vmx_event_is_nmi(u32 info)
{
	return (info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK)) ==
	       (INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR);
}

static bool vmx_exit_is_mc(u32 reason, u32 info)
{
	if ((u16)reason == EXIT_REASON_MCE_DURING_VMENTRY)
		return true;
	return (info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK | INTR_INFO_VECTOR_MASK)) ==
	       (INTR_INFO_VALID_MASK | INTR_TYPE_HARD_EXCEPTION | MC_VECTOR);
}

/*
 * A machine check that arrived while the guest ran made a VM exit instead
 * of reaching the host's handler: call that handler now, IRQs still off,
 * as if it had interrupted user mode (as KVM's kvm_machine_check()).
 */
static void vmx_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = { .cs = 3, .flags = X86_EFLAGS_IF };

	do_machine_check(&regs);
#endif
}

/*
 * The external interrupt that made the exit, which the exit acknowledged
 * (VM_EXIT_ACK_INTR_ON_EXIT, vmx/vmcs_config.c): its vector is in the
 * exit interruption information and no longer pending in the local APIC,
 * so the host's handler runs now, entered through the host IDT's gate for
 * it as the CPU would have entered it (KVM's
 * handle_external_interrupt_irqoff()). A tick taken here counts as guest
 * time, as in KVM: guest_timing_exit_irqoff() comes after. The CPU
 * reports every such exit valid and of type external interrupt (SDM Vol.
 * 3C, "Information for VM Exits Due to Vectored Events"); anything else
 * is a CPU that broke that contract, and its interrupt is lost.
 */
static void vmx_host_interrupt(u32 info)
{
	const gate_desc *gate;

	if (WARN_ON_ONCE((info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK)) !=
			 (INTR_INFO_VALID_MASK | INTR_TYPE_EXT_INTR)))
		return;
	gate = (const gate_desc *)mvmx_config.host_idt_base + (info & INTR_INFO_VECTOR_MASK);
	mvmx_do_interrupt_irqoff(gate_offset(gate));
}

/*
 * Before entry, IRQs off: a guest DR7 that arms a breakpoint needs the
 * guest's DR0-3 in the CPU. The host's come back after the exit through
 * hw_breakpoint_restore() when the host uses them; otherwise nothing reads
 * them, since the exit loads DR7 with 0x400.
 */
static void vmx_load_guest_debugregs(struct minikvm_vcpu *vcpu)
{
	if (!to_vmx(vcpu)->guest_dr_armed)
		return;
	set_debugreg(vcpu->dr[0], 0);
	set_debugreg(vcpu->dr[1], 1);
	set_debugreg(vcpu->dr[2], 2);
	set_debugreg(vcpu->dr[3], 3);
}

/*
 * XCR0 is not switched by VMX either; only differ when the guest set it.
 * The guest has CR4.OSXSAVE only when the host has XSAVE on (cr.c,
 * mvmx_guest_has_xsave()): XSETBV is never executed on a host without it.
 */
static void vmx_load_guest_xcr0(struct minikvm_vcpu *vcpu, u64 host_xcr0)
{
	if ((to_vmx(vcpu)->cr4 & X86_CR4_OSXSAVE) && host_xcr0 && vcpu->xcr0 != host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
}

static void vmx_load_host_xcr0(struct minikvm_vcpu *vcpu, u64 host_xcr0)
{
	if ((to_vmx(vcpu)->cr4 & X86_CR4_OSXSAVE) && host_xcr0 && vcpu->xcr0 != host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, host_xcr0);
}

/**
 * mvmx_vcpu_run() - run the guest until an exit needs userspace
 * @vcpu: the vCPU, loaded
 *
 * Return: 0 with run->exit_reason set, -EINTR when a signal is pending
 * (exit_reason KVM_EXIT_INTR), or another -errno.
 */
int mvmx_vcpu_run(struct minikvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 host_xcr0 = boot_cpu_has(X86_FEATURE_XSAVE) ? xgetbv(XCR_XFEATURE_ENABLED_MASK) : 0;
	int ret, fail;
	u16 ldt_sel;
	u32 event;

	preempt_disable();
	vmx_save_host_segments(vmx);
	preempt_enable();

	for (;;) {
		/* One test of the thread's flags when the host wants nothing. */
		if (unlikely(read_thread_flags() & VMX_HOST_WORK)) {
			if (signal_pending(current)) {
				vcpu->run->exit_reason = KVM_EXIT_INTR;
				return -EINTR;
			}
			cond_resched();
		}
		/* Guest memory: before IRQs go off. */
		if (minikvm_check_request(MINIKVM_REQ_CLOCK_UPDATE, vcpu))
			minikvm_kvmclock_update(vcpu);
		/* KVM_X86_SET_MSR_FILTER changed which MSRs may skip the exit. */
		if (unlikely(vmx->msr_filter_gen != READ_ONCE(vcpu->vm->msr_filter_gen)))
			mvmx_msr_filter_changed(vcpu);
		/* Halted, or waiting for INIT/SIPI: block (irq/posted.c). */
		if (!minikvm_vcpu_ready_to_enter(vcpu))
			continue;
		if (minikvm_ioapic_eoi_exit(vcpu))
			return EXIT_TO_USER;

		preempt_disable();
		mvmx_load_guest_msrs(vcpu);
		local_irq_disable();
		/*
		 * From here a kick sends an IPI, held pending until the entry,
		 * which then exits at once (irq/posted.c has the argument).
		 */
		vcpu->run_cpu = smp_processor_id();
		/* Step a of irq/posted.c: mode before the request mask is read. */
		smp_store_mb(vcpu->mode, MINIKVM_IN_GUEST);
		/* Checked again with IRQs off, so no wakeup slips in between. */
		if ((read_thread_flags() & VMX_HOST_WORK) || minikvm_lapic_events_pending(vcpu)) {
			WRITE_ONCE(vcpu->mode, MINIKVM_OUTSIDE_GUEST);
			local_irq_enable();
			preempt_enable();
			continue;
		}
		if (test_thread_flag(TIF_NEED_FPU_LOAD))
			switch_fpu_return();
		minikvm_inject_events(vcpu);
		vmx_update_host_state(vmx);
		vmx_load_guest_debugregs(vcpu);
		vmx_load_guest_xcr0(vcpu, host_xcr0);
		minikvm_note_entry(vcpu);
		/*
		 * The exit nulls LDTR: a task with an LDT (modify_ldt()) gets
		 * it back at once, the selector sampled with IRQs off so that
		 * one another thread installed meanwhile (an IPI loads it) is
		 * the one reloaded. GDT and TSS limits wait for the put
		 * (vcpu_load.c, mvmx_vcpu_put()).
		 */
		ldt_sel = kvm_read_ldt();
		vmx->host_descriptors_dirty = true;
		guest_timing_enter_irqoff();

		fail = vmx_enter_exit(vcpu);
		/* Kicks from here on need no IPI: the loop looks again. */
		smp_store_release(&vcpu->mode, MINIKVM_OUTSIDE_GUEST);

		if (unlikely(ldt_sel))
			kvm_load_ldt(ldt_sel);
		vmx_load_host_xcr0(vcpu, host_xcr0);
		if (!fail) {
			vmx->exit.reason = vmcs_read32(VM_EXIT_REASON);
			/*
			 * A VM entry that failed while loading guest state
			 * leaves the VMCS unlaunched (SDM Vol. 3C, "VM-Entry
			 * Failures During or After Loading Guest State").
			 */
			if (!(vmx->exit.reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
				vmx->launched = true;
			event = vmx_exit_event(vmx->exit.reason);
			if (vmx_event_is_nmi(event))
				mvmx_do_interrupt_irqoff((unsigned long)asm_exc_nmi_noist);
			else if (vmx_exit_is_mc(vmx->exit.reason, event))
				vmx_machine_check();
		}
		vmx_restore_host_segments(vmx);
		if (!fail && (u16)vmx->exit.reason == EXIT_REASON_EXTERNAL_INTERRUPT)
			vmx_host_interrupt(event);
		guest_timing_exit_irqoff();
		local_irq_enable();
		preempt_enable();

		if (unlikely(fail)) {
			vcpu->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
			vcpu->run->fail_entry.hardware_entry_failure_reason =
				vmcs_read32(VM_INSTRUCTION_ERROR);
			vcpu->run->fail_entry.cpu = vmx->cpu;
			minikvm_entry_failed(vcpu);
			return 0;
		}
		vmx->exit.qualification = vmcs_readl(EXIT_QUALIFICATION);
		vmx->exit.instr_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
		ret = mvmx_handle_exit(vcpu);
		if (ret != RESUME_GUEST)
			return ret;
		if (minikvm_irq_window_exit(vcpu))
			return EXIT_TO_USER;
		if (minikvm_ioapic_eoi_exit(vcpu))
			return EXIT_TO_USER;
	}
}
