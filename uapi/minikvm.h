/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * minikvm's additions to the KVM ABI.
 *
 * Everything minikvm shares with KVM uses <linux/kvm.h> unchanged: the same
 * ioctl numbers, the same structures, on /dev/minikvm instead of /dev/kvm.
 * What only minikvm has lives here, under its own ioctl type (0xAF, numbers
 * 0x80-0x9f, unclaimed in Documentation/userspace-api/ioctl/ioctl-number.rst)
 * so that no future KVM ioctl can collide with it. KVM answers these
 * numbers with -EINVAL, like any ioctl it does not know.
 */
#ifndef _UAPI_MINIKVM_H
#define _UAPI_MINIKVM_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define MINIKVMIO 0xAF

/* Feature bits in minikvm_vmx_info.features: what the probe found. */
#define MINIKVM_VMX_TRUE_CTLS		(1u << 0)  /* IA32_VMX_TRUE_*_CTLS exist */
#define MINIKVM_VMX_EPT			(1u << 1)
#define MINIKVM_VMX_VPID		(1u << 2)
#define MINIKVM_VMX_UNRESTRICTED_GUEST	(1u << 3)
#define MINIKVM_VMX_EPT_2MB		(1u << 4)
#define MINIKVM_VMX_EPT_1GB		(1u << 5)
#define MINIKVM_VMX_EPT_AD		(1u << 6)
#define MINIKVM_VMX_EPT_EXEC_ONLY	(1u << 7)
#define MINIKVM_VMX_INVEPT		(1u << 8)
#define MINIKVM_VMX_INVVPID		(1u << 9)
#define MINIKVM_VMX_TPR_SHADOW		(1u << 10)
#define MINIKVM_VMX_APIC_REG_VIRT	(1u << 11)
#define MINIKVM_VMX_VIRT_INTR_DELIVERY	(1u << 12)
#define MINIKVM_VMX_POSTED_INTR		(1u << 13)
#define MINIKVM_VMX_PML			(1u << 14)
#define MINIKVM_VMX_PREEMPTION_TIMER	(1u << 15)
#define MINIKVM_VMX_MSR_BITMAP		(1u << 16)
#define MINIKVM_VMX_WB_VMCS		(1u << 17) /* VMCS memory type is WB */
#define MINIKVM_VMX_PAUSE_LOOP		(1u << 18) /* PAUSE-loop exiting */

/*
 * Bits in minikvm_vmx_info.apicv: the APIC virtualization minikvm uses for
 * a vCPU whose LAPIC is in the kernel, as the module parameters
 * (enable_apicv, enable_vid, enable_x2apic_virt) and the CPU allow
 * (Documentation/interrupts.rst). 0: every LAPIC access exits and every
 * interrupt is injected.
 */
#define MINIKVM_APICV_TPR_SHADOW	(1u << 0)  /* CR8 without exits, TPR threshold */
#define MINIKVM_APICV_VID		(1u << 1)  /* virtual-interrupt delivery */
#define MINIKVM_APICV_X2APIC		(1u << 2)  /* virtualize x2APIC mode: TPR, EOI, SELF IPI */
#define MINIKVM_APICV_REG_VIRT		(1u << 3)  /* register reads from the page */
#define MINIKVM_APICV_POSTED		(1u << 4)  /* posted-interrupt processing: no exit to post */
#define MINIKVM_APICV_APIC_ACCESS	(1u << 5)  /* xAPIC page accesses virtualized */

/**
 * struct minikvm_vmx_info - what the load-time probe read from the CPU
 * @features:	MINIKVM_VMX_* bits
 * @revision_id: VMCS revision identifier (IA32_VMX_BASIC bits 30:0)
 * @vmcs_size:	bytes to allocate for a VMCS region (IA32_VMX_BASIC 44:32)
 * @nr_cpus:	online CPUs that were probed and found identical
 * @basic:	raw IA32_VMX_BASIC
 * @feature_control: raw IA32_FEATURE_CONTROL
 * @pinbased:	raw (TRUE_)PINBASED_CTLS: allowed-0 in 31:0, allowed-1 in 63:32
 * @procbased:	raw (TRUE_)PROCBASED_CTLS
 * @procbased2:	raw PROCBASED_CTLS2, 0 when secondary controls are absent
 * @exit:	raw (TRUE_)EXIT_CTLS
 * @entry:	raw (TRUE_)ENTRY_CTLS
 * @misc:	raw IA32_VMX_MISC
 * @ept_vpid_cap: raw IA32_VMX_EPT_VPID_CAP, 0 when neither EPT nor VPID
 * @apicv:	MINIKVM_APICV_* bits: what an in-kernel LAPIC's vCPU uses
 * @pad:	zero
 * @reserved:	zero
 */
struct minikvm_vmx_info {
	__u32 features;
	__u32 revision_id;
	__u32 vmcs_size;
	__u32 nr_cpus;
	__u64 basic;
	__u64 feature_control;
	__u64 pinbased;
	__u64 procbased;
	__u64 procbased2;
	__u64 exit;
	__u64 entry;
	__u64 misc;
	__u64 ept_vpid_cap;
	__u32 apicv;
	__u32 pad;
	__u64 reserved[6];
};

/* On /dev/minikvm: copy the probe's findings out. */
#define MINIKVM_GET_VMX_INFO	_IOR(MINIKVMIO, 0x80, struct minikvm_vmx_info)

/* Which links of the chain minikvm_translation_chain.flags says are valid. */
#define MINIKVM_CHAIN_GPA	(1u << 0)	/* the guest's page tables map gva */
#define MINIKVM_CHAIN_HVA	(1u << 1)	/* a memory slot backs gpa */
#define MINIKVM_CHAIN_HPA	(1u << 2)	/* the page is resident (caller is root) */
#define MINIKVM_CHAIN_EPT	(1u << 3)	/* the EPT maps gpa now */

/**
 * struct minikvm_translation_chain - one guest-virtual address, all the way
 * @gva:	in: guest-virtual (linear) address
 * @flags:	out: MINIKVM_CHAIN_* for the links that exist
 * @guest_level: page size of the guest mapping: 1 = 4 KiB, 2 = 2/4 MiB,
 *		3 = 1 GiB; 0 when the guest has paging off (gpa = gva)
 * @guest_writable, @guest_user: R/W and U/S of every guest level
 * @ept_perm:	EPT entry bits 2:0 (read, write, execute)
 * @ept_level:	1 = 4 KiB, 2 = 2 MiB EPT leaf; 0 when not mapped
 * @slot:	memory slot number holding gpa
 * @gpa:	guest-physical address
 * @hva:	host-virtual address in the VMM's address space
 * @hpa:	host-physical address; reported only to CAP_SYS_ADMIN
 * @guest_pte:	the guest's leaf page-table entry
 * @ept_entry:	the EPT leaf entry (address bits cleared without CAP_SYS_ADMIN)
 * @reserved:	zero
 */
struct minikvm_translation_chain {
	__u64 gva;
	__u32 flags;
	__u8 guest_level;
	__u8 guest_writable;
	__u8 guest_user;
	__u8 ept_perm;
	__u8 ept_level;
	__u8 pad[3];
	__u32 slot;
	__u64 gpa;
	__u64 hva;
	__u64 hpa;
	__u64 guest_pte;
	__u64 ept_entry;
	__u64 reserved[4];
};

/* On a vCPU fd: GVA -> GPA -> HVA -> HPA, with the EPT leaf. */
#define MINIKVM_TRANSLATE_CHAIN	_IOWR(MINIKVMIO, 0x81, struct minikvm_translation_chain)

#endif /* _UAPI_MINIKVM_H */
