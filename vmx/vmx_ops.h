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
 * Failure handling is central: a failing instruction (VMfailValid or
 * VMfailInvalid: CF or ZF set, "jna") calls one out-of-line
 * mvmx_insn_failed(), which WARNs once (so the test VM's kernel-log check
 * fails) and prints the instruction, operand and VM-instruction error,
 * rate-limited. A failed VMREAD returns 0. Call sites stay clean.
 *
 * Faults: every instruction here has an exception-table entry. With VMX
 * off they raise #UD; the reboot notifier (vmxon.c) turns VMX off on
 * every CPU while vCPU threads may still be between two of these, so the
 * fixup goes to mvmx_insn_fault(), which is silent once that notifier has
 * run and WARNs otherwise; the instruction then acts as failed (a VMREAD
 * returns 0) and the vCPU's next entry fails (vmenter.S has its own
 * entries), so KVM_RUN returns KVM_EXIT_FAIL_ENTRY, as KVM does then.
 *
 * Environment: the vCPU's VMCS is current on this CPU (preemption off, or
 * inside a preempt-notifier-protected vCPU load).
 */
#ifndef MINIKVM_VMX_OPS_H
#define MINIKVM_VMX_OPS_H

#include <linux/build_bug.h>
#include <linux/types.h>
#include <asm/asm.h>
#include <asm/vmx.h>

enum vmx_insn { VMX_INSN_VMREAD, VMX_INSN_VMWRITE, VMX_INSN_VMCLEAR,
		VMX_INSN_VMPTRLD, VMX_INSN_INVEPT };

void mvmx_insn_failed(enum vmx_insn insn, u64 operand, u64 value);
void mvmx_insn_fault(enum vmx_insn insn, u64 operand);

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

/*
 * "(%l[...])" in parentheses: checkpatch reads ", %l" as a modulo. VMREAD
 * needs asm goto with an output (CONFIG_CC_HAS_ASM_GOTO_OUTPUT: GCC 11,
 * Clang 11); Debian's 6.1 kernels are built with GCC 12.
 */
static __always_inline unsigned long __vmcs_read(unsigned long field)
{
	unsigned long value;

	asm goto("1: vmread %[field], %[value]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, (%l[fault]))
		 : [value] "=rm" (value) : [field] "r" (field) : "cc" : fail, fault);
	return value;
fail:
	mvmx_insn_failed(VMX_INSN_VMREAD, field, 0);
	return 0;
fault:
	mvmx_insn_fault(VMX_INSN_VMREAD, field);
	return 0;
}

static __always_inline void __vmcs_write(unsigned long field, unsigned long value)
{
	asm goto("1: vmwrite %[value], %[field]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, (%l[fault]))
		 : : [field] "r" (field), [value] "rm" (value) : "cc" : fail, fault);
	return;
fail:
	mvmx_insn_failed(VMX_INSN_VMWRITE, field, value);
	return;
fault:
	mvmx_insn_fault(VMX_INSN_VMWRITE, field);
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
	asm goto("1: vmclear %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, (%l[fault]))
		 : : [pa] "m" (vmcs_pa) : "cc", "memory" : fail, fault);
	return;
fail:
	mvmx_insn_failed(VMX_INSN_VMCLEAR, vmcs_pa, 0);
	return;
fault:
	mvmx_insn_fault(VMX_INSN_VMCLEAR, vmcs_pa);
}

static inline void vmx_vmptrld(u64 vmcs_pa)
{
	asm goto("1: vmptrld %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, (%l[fault]))
		 : : [pa] "m" (vmcs_pa) : "cc", "memory" : fail, fault);
	return;
fail:
	mvmx_insn_failed(VMX_INSN_VMPTRLD, vmcs_pa, 0);
	return;
fault:
	mvmx_insn_fault(VMX_INSN_VMPTRLD, vmcs_pa);
}

/* SDM Vol. 3C, "INVEPT": the 128-bit descriptor is {EPTP, reserved}. */
static inline void vmx_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, zero; } desc = { eptp, 0 };

	asm goto("1: invept %[desc], %[type]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, (%l[fault]))
		 : : [desc] "m" (desc), [type] "r" (type) : "cc", "memory" : fail, fault);
	return;
fail:
	mvmx_insn_failed(VMX_INSN_INVEPT, type, eptp);
	return;
fault:
	mvmx_insn_fault(VMX_INSN_INVEPT, type);
}

#endif /* MINIKVM_VMX_OPS_H */
