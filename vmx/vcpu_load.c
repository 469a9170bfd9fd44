// SPDX-License-Identifier: GPL-2.0
/*
 * Which CPU a vCPU's VMCS lives on, and the host MSRs the guest borrows.
 *
 * A VMCS is "active" on one CPU at a time, and may be cached there (SDM
 * Vol. 3C, "VMCS Life Cycle" / "Software Use of the VMCS"): before a
 * vCPU thread runs it on another CPU, the old CPU must VMCLEAR it. The
 * preempt notifier (core/vcpu.c) calls mvmx_vcpu_load() when the thread is
 * scheduled in and mvmx_vcpu_put() when it is scheduled out.
 *
 * Environment: preemption disabled in every function here; the per-CPU
 * lists of loaded VMCSs are touched only by their own CPU with IRQs off.
 */
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/cpu_entry_area.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>

#include "core/minikvm.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"

static DEFINE_PER_CPU(u64, vmx_current_vmcs);

/*
 * Make the VMCS current on this CPU. A different VMCS means another vCPU,
 * maybe of another VM or kvm_intel's: IBPB keeps branch predictions it
 * trained from steering this one (Spectre v2 between guests, as KVM).
 * indirect_branch_prediction_barrier() is a no-op unless the host kernel
 * enabled IBPB (X86_FEATURE_USE_IBPB).
 */
static void vmx_make_current(struct vmx_vcpu *vmx)
{
	vmx_vmptrld(vmx->vmcs_pa);
	indirect_branch_prediction_barrier();
	this_cpu_write(vmx_current_vmcs, vmx->vmcs_pa);
}

static void __vmx_vcpu_clear(void *arg)
{
	struct vmx_vcpu *vmx = arg;
	int cpu = smp_processor_id();

	if (vmx->cpu != cpu)
		return;
	vmx_vmclear(vmx->vmcs_pa);
	if (per_cpu(vmx_current_vmcs, cpu) == vmx->vmcs_pa)
		per_cpu(vmx_current_vmcs, cpu) = 0;
	list_del_init(&vmx->loaded_link);
	/* After VMCLEAR the launch state is "clear": VMLAUNCH is next. */
	vmx->launched = false;
	/* Order the list removal before anyone sees cpu == -1. */
	smp_wmb();
	vmx->cpu = -1;
}

/* VMCLEAR the vCPU's VMCS on whatever CPU holds it. */
void mvmx_vcpu_clear(struct minikvm_vcpu *vcpu)
{
	int cpu = READ_ONCE(to_vmx(vcpu)->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, __vmx_vcpu_clear, to_vmx(vcpu), 1);
}

/* VMXOFF or CPU offline: VMCLEAR every VMCS this CPU holds. IRQs off. */
void mvmx_clear_loaded_vmcss(int cpu)
{
	struct vmx_vcpu *vmx, *tmp;

	list_for_each_entry_safe(vmx, tmp, mvmx_loaded_vmcss(cpu), loaded_link)
		__vmx_vcpu_clear(vmx);
}

/**
 * mvmx_vcpu_load() - make the vCPU's VMCS current on this CPU
 * @vcpu: the vCPU; preemption disabled
 *
 * On a change of CPU the per-CPU host state in the VMCS is rewritten: the
 * TSS, GDT and SYSENTER stack are per CPU in Linux (cpu_entry_area), and
 * so is the kernel GS base.
 */
void mvmx_vcpu_load(struct minikvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	int cpu = smp_processor_id();
	unsigned long flags;

	if (vmx->cpu != cpu) {
		mvmx_vcpu_clear(vcpu);
		/* Pairs with the smp_wmb() before vmx->cpu = -1: see the list removal. */
		smp_rmb();
		local_irq_save(flags);
		list_add(&vmx->loaded_link, mvmx_loaded_vmcss(cpu));
		local_irq_restore(flags);
		vmx->cpu = cpu;
		vmx_make_current(vmx);
		/*
		 * This CPU may still cache translations of this guest from an
		 * earlier visit of the vCPU (an INVLPG the guest did on
		 * another CPU since never reached them), or of an earlier
		 * user of the EPT root page (a VM of ours or kvm_intel's that
		 * is gone). INVEPT of the EPTP's context drops guest-physical
		 * and combined mappings for every VPID (SDM Vol. 3C, "INVEPT"),
		 * before the first entry here. As KVM on a vCPU migration.
		 */
		minikvm_flush_guest_tlb(vcpu->vm->mmu.eptp);

		vmcs_writel(HOST_TR_BASE, (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
		vmcs_writel(HOST_GDTR_BASE, (unsigned long)get_current_gdt_ro());
		vmcs_writel(HOST_IA32_SYSENTER_ESP, (unsigned long)(cpu_entry_stack(cpu) + 1));
		vmcs_writel(HOST_GS_BASE, cpu_kernelmode_gs_base(cpu));
		/* Force run.c to rewrite CR3/CR4 for this CPU. */
		vmx->host_cr3 = 0;
		vmx->host_cr4 = 0;
	} else if (this_cpu_read(vmx_current_vmcs) != vmx->vmcs_pa) {
		vmx_make_current(vmx);
	}
}

/*
 * Descriptor-table state a VM exit leaves wrong (SDM Vol. 3C, "Loading
 * Host Segment and Descriptor-Table Registers"): the GDTR and IDTR limits
 * become FFFFh, TR keeps the base from the VMCS but gets limit 67h, and
 * LDTR is made unusable. Linux relies on all three before this CPU runs
 * user code again: the GDT limit bounds what LSL, LAR and segment loads
 * from user mode may read (past the GDT page lies unmapped cpu_entry_area
 * space, a kernel page fault), the TSS limit covers the I/O bitmap of a
 * task that used ioperm(), and a task with an LDT (modify_ldt()) expects
 * LDTR to hold it. The IDT limit is harmless: vectors stop at 255.
 *
 * LDTR is reloaded right after each exit by vmx/run.c (for a task that
 * has an LDT, which may change under it through an IPI). The GDT and TSS
 * limits do not matter to the kernel itself, so they are restored when
 * the vCPU is put: on the way back to user mode (KVM_RUN returns) and
 * when the thread is scheduled out, before any other task's user code can
 * run on this CPU, as KVM does (vmx_prepare_switch_to_host()); an exit
 * handled in the kernel pays nothing for them.
 */
static void vmx_restore_host_descriptors(struct vmx_vcpu *vmx)
{
	if (!vmx->host_descriptors_dirty)
		return;
	vmx->host_descriptors_dirty = false;
	load_fixmap_gdt(raw_smp_processor_id());
	/* Reloads TR now if this task has an I/O bitmap, else at its next use. */
	invalidate_tss_limit();
}

void mvmx_vcpu_put(struct minikvm_vcpu *vcpu)
{
	vmx_restore_host_descriptors(to_vmx(vcpu));
	mvmx_put_guest_msrs(vcpu);
}

/*
 * The SYSCALL MSRs and KERNEL_GS_BASE are not switched by VM entry/exit,
 * and Linux needs its own values only when it next runs user code or
 * another task. So they are swapped lazily: guest values go in before the
 * first entry, host values come back when this thread returns to user
 * mode (user-return notifier) or is scheduled out (mvmx_vcpu_put()).
 */
static void vmx_on_user_return(struct user_return_notifier *urn)
{
	struct vmx_vcpu *vmx = container_of(urn, struct vmx_vcpu, urn);

	mvmx_put_guest_msrs(&vmx->vcpu);
}

/* The MSRs swapped lazily, and where each vCPU keeps the guest's value. */
static const struct {
	u32 msr;
	size_t guest;		/* offset of the u64 in struct minikvm_vcpu */
} vmx_swapped_msrs[VMX_NR_SWAPPED_MSRS] = {
	{ MSR_KERNEL_GS_BASE, offsetof(struct minikvm_vcpu, msr_kernel_gs_base) },
	{ MSR_STAR, offsetof(struct minikvm_vcpu, msr_star) },
	{ MSR_LSTAR, offsetof(struct minikvm_vcpu, msr_lstar) },
	{ MSR_CSTAR, offsetof(struct minikvm_vcpu, msr_cstar) },
	{ MSR_SYSCALL_MASK, offsetof(struct minikvm_vcpu, msr_sfmask) },
};

static u64 *vmx_guest_msr(struct minikvm_vcpu *vcpu, int i)
{
	return (void *)vcpu + vmx_swapped_msrs[i].guest;
}

void mvmx_load_guest_msrs(struct minikvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	int i;

	if (vmx->guest_msrs_loaded)
		return;
	for (i = 0; i < VMX_NR_SWAPPED_MSRS; i++) {
		rdmsrl(vmx_swapped_msrs[i].msr, vmx->host_msrs[i]);
		wrmsrl(vmx_swapped_msrs[i].msr, *vmx_guest_msr(vcpu, i));
	}
	vmx->urn.on_user_return = vmx_on_user_return;
	user_return_notifier_register(&vmx->urn);
	vmx->guest_msrs_loaded = true;
}

void mvmx_put_guest_msrs(struct minikvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	int i;

	if (!vmx->guest_msrs_loaded)
		return;
	/* The guest reaches KERNEL_GS_BASE directly (SWAPGS, no exit). */
	rdmsrl(MSR_KERNEL_GS_BASE, vcpu->msr_kernel_gs_base);
	for (i = 0; i < VMX_NR_SWAPPED_MSRS; i++)
		wrmsrl(vmx_swapped_msrs[i].msr, vmx->host_msrs[i]);
	user_return_notifier_unregister(&vmx->urn);
	vmx->guest_msrs_loaded = false;
}
