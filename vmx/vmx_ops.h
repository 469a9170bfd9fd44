/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX instruction wrappers: VMREAD/VMWRITE with width checks, VMPTRLD,
 * VMCLEAR, INVEPT.
 *
 * Width checks: SDM Vol. 3C, "Field Encoding in VMCS" puts the width of a
 * field in encoding bits 14:13 (0 = 16-bit, 1 = 64-bit, 2 = 32-bit,
 * 3 = natural width) and the "high" access type in bit 0. A constant
 * field passed to the wrong vmcs_read*()/vmcs_write*() is a compile
 * error. A field that is not a compile-time constant (one from a table
 * of fields) is not checked at all, here or at run time: such callers
 * use __vmcs_read()/__vmcs_write(), or a table of one width.
 *
 * Failure handling is central: a failing instruction calls one
 * out-of-line vmx_insn_failed(), which prints the instruction, operand
 * and VM-instruction error once. Call sites stay clean.
 *
 * Environment: the vCPU's VMCS is current on this CPU (preemption off, or
 * inside a preempt-notifier-protected vCPU load).
 */
#ifndef MINIKVM_VMX_OPS_H
#define MINIKVM_VMX_OPS_H

#include <linux/build_bug.h>
#include <linux/types.h>
#include <asm/vmx.h>

enum vmx_insn { VMX_INSN_VMREAD, VMX_INSN_VMWRITE, VMX_INSN_VMCLEAR,
		VMX_INSN_VMPTRLD, VMX_INSN_INVEPT };

void vmx_insn_failed(enum vmx_insn insn, u64 operand, u64 value);

#define VMCS_FIELD_WIDTH(f)	(((f) >> 13) & 3)
#define VMCS_WIDTH_16		0
#define VMCS_WIDTH_64		1
#define VMCS_WIDTH_32		2
#define VMCS_WIDTH_NATURAL	3

#define vmcs_check(field, width)					\
	BUILD_BUG_ON_MSG(__builtin_constant_p(field) &&			\
			 (VMCS_FIELD_WIDTH(field) != (width) ||		\
			  ((width) == VMCS_WIDTH_64 && ((field) & 1))),	\
			 "VMCS field of the wrong width for this accessor")

static __always_inline unsigned long __vmcs_read(unsigned long field)
{
	unsigned long value;
	bool fail;

	/* VMfail sets CF or ZF: "setna" catches both. */
	asm volatile("vmread %[field], %[value]\n\tsetna %[fail]"
		     : [value] "=rm" (value), [fail] "=qm" (fail)
		     : [field] "r" (field) : "cc");
	if (unlikely(fail))
		vmx_insn_failed(VMX_INSN_VMREAD, field, 0);
	return value;
}

static __always_inline void __vmcs_write(unsigned long field, unsigned long value)
{
	bool fail;

	asm volatile("vmwrite %[value], %[field]\n\tsetna %[fail]"
		     : [fail] "=qm" (fail)
		     : [field] "r" (field), [value] "rm" (value) : "cc");
	if (unlikely(fail))
		vmx_insn_failed(VMX_INSN_VMWRITE, field, value);
}

#define vmcs_read16(f)	({ vmcs_check(f, VMCS_WIDTH_16); (u16)__vmcs_read(f); })
#define vmcs_read32(f)	({ vmcs_check(f, VMCS_WIDTH_32); (u32)__vmcs_read(f); })
#define vmcs_read64(f)	({ vmcs_check(f, VMCS_WIDTH_64); (u64)__vmcs_read(f); })
#define vmcs_readl(f)	({ vmcs_check(f, VMCS_WIDTH_NATURAL); __vmcs_read(f); })

#define vmcs_write16(f, v) do { vmcs_check(f, VMCS_WIDTH_16); __vmcs_write(f, (u16)(v)); } while (0)
#define vmcs_write32(f, v) do { vmcs_check(f, VMCS_WIDTH_32); __vmcs_write(f, (u32)(v)); } while (0)
#define vmcs_write64(f, v) do { vmcs_check(f, VMCS_WIDTH_64); __vmcs_write(f, (u64)(v)); } while (0)
#define vmcs_writel(f, v) do { vmcs_check(f, VMCS_WIDTH_NATURAL); __vmcs_write(f, (v)); } while (0)

static inline void vmcs_set_bits32(unsigned long field, u32 mask)
{
	__vmcs_write(field, __vmcs_read(field) | mask);
}

static inline void vmx_vmclear(u64 vmcs_pa)
{
	bool fail;

	asm volatile("vmclear %[pa]\n\tsetna %[fail]"
		     : [fail] "=qm" (fail) : [pa] "m" (vmcs_pa) : "cc", "memory");
	if (unlikely(fail))
		vmx_insn_failed(VMX_INSN_VMCLEAR, vmcs_pa, 0);
}

static inline void vmx_vmptrld(u64 vmcs_pa)
{
	bool fail;

	asm volatile("vmptrld %[pa]\n\tsetna %[fail]"
		     : [fail] "=qm" (fail) : [pa] "m" (vmcs_pa) : "cc", "memory");
	if (unlikely(fail))
		vmx_insn_failed(VMX_INSN_VMPTRLD, vmcs_pa, 0);
}

/* SDM Vol. 3C, "INVEPT": the 128-bit descriptor is {EPTP, reserved}. */
static inline void vmx_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, zero; } desc = { eptp, 0 };
	bool fail;

	asm volatile("invept %[desc], %[type]\n\tsetna %[fail]"
		     : [fail] "=qm" (fail) : [desc] "m" (desc), [type] "r" (type)
		     : "cc", "memory");
	if (unlikely(fail))
		vmx_insn_failed(VMX_INSN_INVEPT, type, eptp);
}

#endif /* MINIKVM_VMX_OPS_H */
