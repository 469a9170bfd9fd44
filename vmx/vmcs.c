// SPDX-License-Identifier: GPL-2.0
/*
 * Creating a vCPU's VMCS and filling it: controls (from mvmx_config), the
 * host-state area that does not change between CPUs, and the guest's reset
 * state (what KVM gives a new vCPU: the x86 power-on state).
 *
 * Environment: process context; the functions that write fields run with
 * the vCPU loaded (mvmx_vcpu_load()) and preemption disabled.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/apicdef.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/vmx.h>

#include "core/minikvm.h"
#include "vmx/vmx.h"
#include "vmx/capability.h"
#include "vmx/speculation.h"
#include "vmx/vmenter.h"
#include "vmx/vmx_ops.h"

static DEFINE_IDA(vmx_vpid_ida);

/* core/ allocates this much per vCPU and frees it with kfree() (core/vendor.h). */
static_assert(offsetof(struct vmx_vcpu, vcpu) == 0);
const size_t mvmx_vcpu_size = sizeof(struct vmx_vcpu);

/*
 * MSRs the guest may read and write without an exit: their guest values
 * live in VMCS guest-state fields (FS/GS base, SYSENTER) or are swapped
 * by mvmx_load_guest_msrs() (KERNEL_GS_BASE).
 */
static const u32 vmx_passthrough_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
};

/*
 * SDM Vol. 3C, "MSR-Bitmap Address": four 1-KiB bitmaps, read-low
 * (MSRs 0-1fffh), read-high (c0000000h-c0001fffh), write-low, write-high.
 * A set bit makes the access exit.
 */
static void vmx_msr_bitmap_intercept(unsigned long *bitmap, u32 msr, bool rd, bool wr)
{
	u8 *base = (u8 *)bitmap;
	unsigned int read_off, bit;

	if (msr <= 0x1fff) {
		read_off = 0x000;
		bit = msr;
	} else if (msr >= 0xc0000000 && msr <= 0xc0001fff) {
		read_off = 0x400;
		bit = msr & 0x1fff;
	} else {
		return;
	}
	__assign_bit(bit, (unsigned long *)(base + read_off), rd);
	__assign_bit(bit, (unsigned long *)(base + read_off + 0x800), wr);
}

/* Make RDMSR (@rd) and WRMSR (@wr) of @msr exit or not (vmx/apicv.c). */
void mvmx_msr_intercept(struct vmx_vcpu *vmx, u32 msr, bool rd, bool wr)
{
	vmx_msr_bitmap_intercept(vmx->msr_bitmap, msr, rd, wr);
}

static void vmx_msr_bitmap_passthrough(unsigned long *bitmap, u32 msr)
{
	vmx_msr_bitmap_intercept(bitmap, msr, false, false);
}

/**
 * mvmx_msr_filter_changed() - follow KVM_X86_SET_MSR_FILTER in the bitmap
 * @vcpu: the vCPU, before an entry
 *
 * A passthrough MSR the filter denies must exit after all, so that the
 * denial reaches userspace (KVM's vmx_msr_filter_changed()); one it allows
 * again goes back to no exit.
 */
void mvmx_msr_filter_changed(struct minikvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned int i;

	vmx->msr_filter_gen = READ_ONCE(vcpu->vm->msr_filter_gen);
	for (i = 0; i < ARRAY_SIZE(vmx_passthrough_msrs); i++) {
		u32 msr = vmx_passthrough_msrs[i];

		vmx_msr_bitmap_intercept(vmx->msr_bitmap, msr,
					 !minikvm_msr_allowed(vcpu, msr, KVM_MSR_FILTER_READ),
					 !minikvm_msr_allowed(vcpu, msr, KVM_MSR_FILTER_WRITE));
	}
}

/* Host state that is the same on every CPU and for every task. */
static void vmx_set_constant_host_state(void)
{
	struct desc_ptr idt;
	u64 v;

	vmcs_writel(HOST_CR0, read_cr0() & ~X86_CR0_TS);
	vmcs_write16(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write16(HOST_SS_SELECTOR, __KERNEL_DS);
	/* Data selectors are 0 in the kernel; run.c restores the task's own. */
	vmcs_write16(HOST_DS_SELECTOR, 0);
	vmcs_write16(HOST_ES_SELECTOR, 0);
	vmcs_write16(HOST_FS_SELECTOR, 0);
	vmcs_write16(HOST_GS_SELECTOR, 0);
	vmcs_write16(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	store_idt(&idt);
	vmcs_writel(HOST_IDTR_BASE, idt.address);
	vmcs_writel(HOST_RIP, mvmx_host_rip);
	rdmsrl(MSR_IA32_SYSENTER_CS, v);
	vmcs_write32(HOST_IA32_SYSENTER_CS, v);
	rdmsrl(MSR_IA32_SYSENTER_EIP, v);
	vmcs_writel(HOST_IA32_SYSENTER_EIP, v);
	rdmsrl(MSR_EFER, v);
	vmcs_write64(HOST_IA32_EFER, v);
	rdmsrl(MSR_IA32_CR_PAT, v);
	vmcs_write64(HOST_IA32_PAT, v);
}

static void vmx_set_controls(struct minikvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->ctls = mvmx_config.ctls;
	if (!vmx->vpid)
		vmx->ctls.proc2 &= ~SECONDARY_EXEC_ENABLE_VPID;
	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, vmx->ctls.pin);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, vmx->ctls.proc);
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, vmx->ctls.proc2);
	vmcs_write32(VM_EXIT_CONTROLS, vmx->ctls.exit);
	vmcs_write32(VM_ENTRY_CONTROLS, vmx->ctls.entry);
	vmcs_write32(EXCEPTION_BITMAP, vmx->ctls.exception_bitmap);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write64(MSR_BITMAP, __pa(vmx->msr_bitmap));
	vmcs_write64(EPT_POINTER, vcpu->vm->mmu.eptp);
	/* SDM Vol. 3C, "VMCS Link Pointer": all ones unless VMCS shadowing. */
	vmcs_write64(VMCS_LINK_POINTER, -1ull);
	if (vmx->vpid)
		vmcs_write16(VIRTUAL_PROCESSOR_ID, vmx->vpid);
	if (vmx->ctls.proc2 & SECONDARY_EXEC_PAUSE_LOOP_EXITING) {
		vmcs_write32(PLE_GAP, mvmx_config.ple_gap);
		vmcs_write32(PLE_WINDOW, mvmx_config.ple_window);
	}
	vmcs_write64(TSC_OFFSET, vcpu->tsc_offset);
}

static void vmx_set_segment_reset(u32 sel_f, u32 base_f, u32 limit_f, u32 ar_f,
				  u16 sel, unsigned long base, u32 ar)
{
	__vmcs_write(sel_f, sel);
	__vmcs_write(base_f, base);
	__vmcs_write(limit_f, 0xffff);
	__vmcs_write(ar_f, ar);
}

#define SEG_RESET(seg, sel, base, ar)					\
	vmx_set_segment_reset(GUEST_##seg##_SELECTOR, GUEST_##seg##_BASE,	\
			      GUEST_##seg##_LIMIT, GUEST_##seg##_AR_BYTES, sel, base, ar)

/**
 * mvmx_vcpu_reset() - the x86 power-on state, as KVM sets it for a new vCPU
 * @vcpu: loaded vCPU
 *
 * SDM Vol. 3A, "Processor State After Reset": CS = f000h with base
 * ffff0000h and RIP = fff0h, so the first fetch is at ffff_fff0h.
 */
void mvmx_vcpu_reset(struct minikvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	memset(vmx->regs, 0, sizeof(vmx->regs));
	vmx->regs[__VCPU_REGS_RDX] = 0x600;	/* family 6, as KVM */
	SEG_RESET(CS, 0xf000, 0xffff0000, 0x9b);
	SEG_RESET(DS, 0, 0, 0x93);
	SEG_RESET(ES, 0, 0, 0x93);
	SEG_RESET(FS, 0, 0, 0x93);
	SEG_RESET(GS, 0, 0, 0x93);
	SEG_RESET(SS, 0, 0, 0x93);
	SEG_RESET(TR, 0, 0, 0x8b);
	SEG_RESET(LDTR, 0, 0, 0x82);
	vmcs_writel(GUEST_GDTR_BASE, 0);
	vmcs_write32(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_writel(GUEST_IDTR_BASE, 0);
	vmcs_write32(GUEST_IDTR_LIMIT, 0xffff);
	vmcs_writel(GUEST_RIP, 0xfff0);
	vmcs_writel(GUEST_RSP, 0);
	vmcs_writel(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	mvmx_set_guest_dr7(vcpu, DR7_FIXED_1);
	vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	/* SDM Vol. 3A, "IA32_PAT MSR": the power-up value. */
	vmcs_write64(GUEST_IA32_PAT, 0x0007040600070406ull);
	vmcs_write32(GUEST_SYSENTER_CS, 0);
	vmcs_writel(GUEST_SYSENTER_ESP, 0);
	vmcs_writel(GUEST_SYSENTER_EIP, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmx->cr2 = 0;
	vmcs_writel(GUEST_CR3, 0);
	mvmx_set_efer(vcpu, 0);
	mvmx_set_cr4(vcpu, 0);
	mvmx_set_cr0(vcpu, X86_CR0_ET | X86_CR0_CD | X86_CR0_NW);
	/* The BSP is the vCPU KVM_SET_BOOT_CPU_ID named (0 by default). */
	vcpu->msr_apic_base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
			      (vcpu->id == vcpu->vm->bsp_vcpu_id ? MSR_IA32_APICBASE_BSP : 0);
	vcpu->msr_mtrr_def_type = 0;
	vcpu->xcr0 = XFEATURE_MASK_FP;
	vcpu->dr6 = DR6_ACTIVE_LOW;
}

/*
 * INIT (SDM Vol. 3A, "Processor State After Reset", its INIT column):
 * the power-on register state, but IA32_APIC_BASE, the MTRRs and
 * CR0.CD/NW keep their values, as KVM's kvm_vcpu_reset(init_event).
 */
void minikvm_vcpu_init_reset(struct minikvm_vcpu *vcpu)
{
	unsigned long cd_nw = mvmx_read_cr0(vcpu) & (X86_CR0_CD | X86_CR0_NW);
	u64 apic_base = vcpu->msr_apic_base, def_type = vcpu->msr_mtrr_def_type;

	mvmx_vcpu_reset(vcpu);
	mvmx_set_cr0(vcpu, X86_CR0_ET | cd_nw);
	vcpu->msr_apic_base = apic_base;
	vcpu->msr_mtrr_def_type = def_type;
}

/* SIPI: real mode at vector:0000 (SDM Vol. 3A, "MP Initialization Protocol"). */
void minikvm_vcpu_start_at(struct minikvm_vcpu *vcpu, u8 vector)
{
	vmcs_write16(GUEST_CS_SELECTOR, vector << 8);
	vmcs_writel(GUEST_CS_BASE, (unsigned long)vector << 12);
	vmcs_writel(GUEST_RIP, 0);
}

/**
 * mvmx_vcpu_create() - allocate and initialize the VMCS of a new vCPU
 * @vcpu: the vCPU, vm and id set, not yet visible to userspace
 *
 * When VPIDs run out the vCPU runs without one: with VPIDs disabled, VM
 * entries and exits flush its linear translations (SDM Vol. 3C,
 * "Virtual-Processor Identifiers (VPIDs)").
 *
 * Return: 0 or -ENOMEM.
 */
int mvmx_vcpu_create(struct minikvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	int i, vpid;

	vmx->cpu = -1;
	INIT_LIST_HEAD(&vmx->loaded_link);
	vmx->vmcs = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vmx->msr_bitmap = (void *)__get_free_page(GFP_KERNEL_ACCOUNT);
	if (!vmx->vmcs || !vmx->msr_bitmap)
		goto err;
	/* SDM Vol. 3C, "Format of the VMCS Region": revision id first. */
	*(u32 *)vmx->vmcs = mvmx_info.revision_id;
	vmx->vmcs_pa = __pa(vmx->vmcs);
	memset(vmx->msr_bitmap, 0xff, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(vmx_passthrough_msrs); i++)
		vmx_msr_bitmap_passthrough(vmx->msr_bitmap, vmx_passthrough_msrs[i]);

	if (vmx_has(MINIKVM_VMX_VPID)) {
		vpid = ida_alloc_range(&vmx_vpid_ida, 1, 0xffff, GFP_KERNEL);
		vmx->vpid = vpid > 0 ? vpid : 0;
	}

	preempt_disable();
	mvmx_vcpu_load(vcpu);
	vmx_set_controls(vcpu);
	vmx_set_constant_host_state();
	mvmx_vcpu_reset(vcpu);
	mvmx_vcpu_put(vcpu);
	preempt_enable();
	return 0;
err:
	free_page((unsigned long)vmx->vmcs);
	free_page((unsigned long)vmx->msr_bitmap);
	return -ENOMEM;
}

/* The VMCS must not be active on any CPU when its page is freed. */
void mvmx_vcpu_free(struct minikvm_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	mvmx_vcpu_clear(vcpu);
	if (vmx->vpid)
		ida_free(&vmx_vpid_ida, vmx->vpid);
	free_page((unsigned long)vmx->vmcs);
	free_page((unsigned long)vmx->msr_bitmap);
}
