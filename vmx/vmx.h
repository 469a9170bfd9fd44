/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VT-x state of one vCPU and the functions vmx/ shares within itself;
 * what core/ and mmu/ may call is in core/vendor.h.
 */
#ifndef MINIKVM_VMX_H
#define MINIKVM_VMX_H

#include <linux/list.h>
#include <linux/types.h>
#include <linux/user-return-notifier.h>

#include "core/minikvm.h"
#include "core/vendor.h"

/* KERNEL_GS_BASE and the four SYSCALL MSRs: see mvmx_load_guest_msrs(). */
#define VMX_NR_SWAPPED_MSRS	5

/* Read once per exit, before dispatch, so handlers need no VMREAD for them. */
struct vmx_exit_info {
	u32 reason;		/* full VM_EXIT_REASON, bit 31 = entry failure */
	u32 instr_len;
	unsigned long qualification;
};

/* The control words as written to the VMCS, kept to avoid VMREADs. */
struct vmx_controls {
	u32 pin, proc, proc2, entry, exit;
	u32 exception_bitmap;
};

/*
 * APIC virtualization for a vCPU with the in-kernel LAPIC (vmx/apicv.c),
 * decided once at load (vmx/vmcs_config.c): MINIKVM_APICV_* bits, and
 * the control bits that differ from mvmx_config.ctls for such a vCPU.
 */
struct mvmx_apicv {
	u32 mode;
	u32 proc_set, proc_clear;
	u32 proc2_set;
	u32 pin_set;
};

/* Control and capability values computed once at load (vmx/vmcs_config.c). */
struct mvmx_config {
	struct vmx_controls ctls;
	/*
	 * Window exits the CPU offers, turned on only while an event waits
	 * (vmx/event_inject.c): CPU_BASED_INTR_WINDOW_EXITING always, and
	 * CPU_BASED_NMI_WINDOW_EXITING with virtual NMIs.
	 */
	u32 proc_windows;
	struct mvmx_apicv apicv;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u32 ple_gap, ple_window;	/* with SECONDARY_EXEC_PAUSE_LOOP_EXITING */
	unsigned long host_idt_base;	/* the host's IDT, for vmx_host_interrupt() */
};
extern struct mvmx_config mvmx_config;

/* A vCPU as vmx/ sees it: the vendor-neutral part first (to_vmx()). */
struct vmx_vcpu {
	struct minikvm_vcpu vcpu;
	void *vmcs;			/* VMCS region, one page */
	u64 vmcs_pa;
	int cpu;			/* CPU the VMCS is active on, -1 if clear */
	struct list_head loaded_link;	/* on that CPU's mvmx_loaded_vmcss */
	bool launched;			/* VMLAUNCH done since the last VMCLEAR */
	u16 vpid;
	unsigned long regs[16];		/* guest GPRs, __VCPU_REGS_* order; RSP unused */
	struct vmx_exit_info exit;
	struct vmx_controls ctls;
	unsigned long *msr_bitmap;	/* one page, SDM "MSR-Bitmap Address" */
	u32 apicv;			/* MINIKVM_APICV_* this vCPU uses (apicv.c) */
	u8 tpr_threshold;		/* as in the VMCS, with a TPR shadow */
	/* With virtual-interrupt delivery: the EOI-exit bitmap as written. */
	bool eoi_exit_valid;
	u64 eoi_exit[4];
	/* ... and RVI/SVI as the next entry finds them (event_inject.c). */
	u16 intr_status;
	/*
	 * The last entry carried an event minikvm injected; read and
	 * cleared after each exit with virtual-interrupt delivery only
	 * (event_inject.c).
	 */
	bool injected;
	u32 msr_filter_gen;		/* vm->msr_filter_gen the bitmap follows */

	/* Guest DR7 enables a breakpoint: DR0-3 are loaded for the guest. */
	bool guest_dr_armed;

	/* Guest control registers as the guest sees them. */
	unsigned long cr0, cr4, cr2;
	unsigned long cr0_host_mask, cr4_host_mask;

	/* Host state saved around the time the guest owns the CPU. */
	bool guest_msrs_loaded;
	struct user_return_notifier urn;
	u64 host_msrs[VMX_NR_SWAPPED_MSRS];	/* vcpu_load.c: vmx_swapped_msrs[] order */
	u64 host_tsc_aux;
	u16 host_ds, host_es, host_fs, host_gs;
	unsigned long host_fs_base;
	u64 host_debugctl;
	unsigned long host_cr3, host_cr4;
	/* GDT and TR limits to restore at put (vcpu_load.c). */
	bool host_descriptors_dirty;
};

static inline struct vmx_vcpu *to_vmx(struct minikvm_vcpu *vcpu)
{
	return container_of(vcpu, struct vmx_vcpu, vcpu);
}

/* vmx/vmxon.c: VMX operation follows the lifetime of VMs. */
struct list_head *mvmx_loaded_vmcss(int cpu);
bool mvmx_is_rebooting(void);

/* vmx/vmcs.c */
void mvmx_vcpu_reset(struct minikvm_vcpu *vcpu);

void mvmx_msr_intercept(struct vmx_vcpu *vmx, u32 msr, bool rd, bool wr);

/* vmx/vcpu_load.c */
void mvmx_vcpu_clear(struct minikvm_vcpu *vcpu);
void mvmx_clear_loaded_vmcss(int cpu);
void mvmx_load_guest_msrs(struct minikvm_vcpu *vcpu);
void mvmx_put_guest_msrs(struct minikvm_vcpu *vcpu);

/* vmx/cr.c: control register model shared by the exit handler and SET_SREGS */
int mvmx_set_cr0(struct minikvm_vcpu *vcpu, unsigned long cr0);
int mvmx_set_cr4(struct minikvm_vcpu *vcpu, unsigned long cr4);
bool mvmx_cr0_invalid(unsigned long cr0);
bool mvmx_apic_base_valid(struct minikvm_vcpu *vcpu, u64 data);
bool mvmx_pat_valid(u64 pat);
bool mvmx_cr4_invalid(struct minikvm_vcpu *vcpu, unsigned long cr4, u64 efer);
int mvmx_read_pdptes(struct minikvm_vcpu *vcpu, unsigned long cr3, u64 pdpte[4]);
void mvmx_write_pdptes(const u64 pdpte[4]);
unsigned long mvmx_read_cr0(struct minikvm_vcpu *vcpu);
unsigned long mvmx_read_cr4(struct minikvm_vcpu *vcpu);
int mvmx_set_efer(struct minikvm_vcpu *vcpu, u64 efer);
int mvmx_load_pdptrs(struct minikvm_vcpu *vcpu);
bool mvmx_is_long_mode(struct minikvm_vcpu *vcpu);
bool mvmx_guest_has_xsave(struct minikvm_vcpu *vcpu);

/* vmx/exit_cr.c */
void mvmx_set_guest_dr7(struct minikvm_vcpu *vcpu, unsigned long dr7);

/* vmx/event_inject.c */
void mvmx_clear_proc_bits(struct vmx_vcpu *vmx, u32 bits);

/* vmx/inject.c */
void mvmx_queue_exception(struct minikvm_vcpu *vcpu, u8 vector, bool has_error, u32 error);
int mvmx_inject_gp(struct minikvm_vcpu *vcpu);
void mvmx_msr_filter_changed(struct minikvm_vcpu *vcpu);
void mvmx_skip_instruction(struct minikvm_vcpu *vcpu);
void mvmx_skip_instruction_notrap(struct minikvm_vcpu *vcpu);
void mvmx_advance_rip(struct minikvm_vcpu *vcpu, unsigned int len);

#endif /* MINIKVM_VMX_H */
