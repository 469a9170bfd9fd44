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
	__u64 reserved[7];
};

/* On /dev/minikvm: copy the probe's findings out. */
#define MINIKVM_GET_VMX_INFO	_IOR(MINIKVMIO, 0x80, struct minikvm_vmx_info)

#endif /* _UAPI_MINIKVM_H */
