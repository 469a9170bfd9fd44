/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX control-field adjustment against the capability MSRs: the only place
 * where minikvm decides a control bit. Plain C with no kernel calls, so the
 * host-side unit tests (selftests/unit/) compile this very file.
 *
 * SDM Vol. 3D, Appendix "VMX Capability Reporting Facility": each control
 * capability MSR reports in bits 31:0 the "allowed 0-settings" (a bit set
 * there must be 1 in the control) and in bits 63:32 the "allowed
 * 1-settings" (a bit clear there must be 0).
 */
#ifndef MINIKVM_VMX_CONTROLS_H
#define MINIKVM_VMX_CONTROLS_H

static inline u32 vmx_cap_must_be_one(u64 cap)
{
	return (u32)cap;
}

static inline u32 vmx_cap_may_be_one(u64 cap)
{
	return (u32)(cap >> 32);
}

/**
 * vmx_adjust_controls() - choose a control word the CPU accepts
 * @required:	bits minikvm cannot work without
 * @optional:	bits used when the CPU allows them
 * @cap:	the (TRUE_) capability MSR of this control field
 * @out:	the value to write to the VMCS
 *
 * Return: 0 on success, or the bitmask of @required bits the CPU cannot
 * set (never 0 in that case), so the caller can name what is missing.
 */
static inline u32 vmx_adjust_controls(u32 required, u32 optional, u64 cap, u32 *out)
{
	u32 may = vmx_cap_may_be_one(cap);
	u32 missing = required & ~may;

	if (missing)
		return missing;
	*out = ((required | optional) & may) | vmx_cap_must_be_one(cap);
	return 0;
}

/* IA32_VMX_BASIC fields, SDM Vol. 3D, "Basic VMX Information". */
static inline u32 vmx_basic_revision_id(u64 basic)
{
	return (u32)basic & 0x7fffffffu;
}

static inline u32 vmx_basic_region_size(u64 basic)
{
	return (u32)(basic >> 32) & 0x1fffu;
}

static inline u32 vmx_basic_memtype(u64 basic)
{
	return (u32)(basic >> 50) & 0xfu;
}

static inline int vmx_basic_true_ctls(u64 basic)
{
	return (basic >> 55) & 1;
}

#endif /* MINIKVM_VMX_CONTROLS_H */
