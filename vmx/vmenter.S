/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only VMLAUNCH/VMRESUME in minikvm, and the trampoline that hands
 * the host the NMI or interrupt that made a VM exit.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/ibt.h>
#include <asm/unwind_hints.h>
#include <asm/nospec-branch.h>
#include <asm/segment.h>
#include <asm/kvm_vcpu_regs.h>
#include "vmx/vmenter.h"

#define WORD_SIZE 8
#define VCPU_RAX	(__VCPU_REGS_RAX * WORD_SIZE)
#define VCPU_RCX	(__VCPU_REGS_RCX * WORD_SIZE)
#define VCPU_RDX	(__VCPU_REGS_RDX * WORD_SIZE)
#define VCPU_RBX	(__VCPU_REGS_RBX * WORD_SIZE)
#define VCPU_RBP	(__VCPU_REGS_RBP * WORD_SIZE)
#define VCPU_RSI	(__VCPU_REGS_RSI * WORD_SIZE)
#define VCPU_RDI	(__VCPU_REGS_RDI * WORD_SIZE)
#define VCPU_R8		(__VCPU_REGS_R8  * WORD_SIZE)
#define VCPU_R9		(__VCPU_REGS_R9  * WORD_SIZE)
#define VCPU_R10	(__VCPU_REGS_R10 * WORD_SIZE)
#define VCPU_R11	(__VCPU_REGS_R11 * WORD_SIZE)
#define VCPU_R12	(__VCPU_REGS_R12 * WORD_SIZE)
#define VCPU_R13	(__VCPU_REGS_R13 * WORD_SIZE)
#define VCPU_R14	(__VCPU_REGS_R14 * WORD_SIZE)
#define VCPU_R15	(__VCPU_REGS_R15 * WORD_SIZE)

.section .noinstr.text, "ax"

/**
 * mvmx_vcpu_enter - run the guest until the next VM exit
 * @regs:	%rdi, the guest GPRs (16 longs, __VCPU_REGS_* order; the RSP
 *		slot is unused, guest RSP lives in the VMCS)
 * @launched:	%esi, 0 to VMLAUNCH (first entry after VMCLEAR), else VMRESUME
 *
 * Requires: IRQs off; the vCPU's VMCS current on this CPU; its HOST_RIP
 * is mvmx_vmexit or mvmx_vmexit_mitigations_off (chosen once at load,
 * vmx/speculation.c) and all other host state is valid for this CPU.
 * Saves: RBX, RBP, R12-R15 (callee-saved, on the stack); HOST_RSP is
 * written here, so the VMCS always returns to this very stack frame.
 * Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11 and the flags.
 * Speculation hygiene, each step patched in by the kernel's own
 * alternatives only where the kernel's mitigation setting turned the
 * feature on (so "mitigations=off" costs nothing here), as KVM does:
 * - before entry, VERW clears the CPU's buffers (X86_FEATURE_CLEAR_CPU_BUF:
 *   MDS, TAA, MMIO stale data, RFDS);
 * - after exit, every guest GPR is zeroed before anything else runs, the
 *   callee-saved ones too although they are popped over below: a slow
 *   load of the saved value must not leave the guest's in flight. This
 *   one is chosen by HOST_RIP, not patched: with "mitigations=off" the
 *   VMCS exits to mvmx_vmexit_mitigations_off, which skips the zeroing
 *   (no branch is taken on the protected path, so none can be
 *   mispredicted into skipping it);
 * - the return stack buffer is refilled (X86_FEATURE_RSB_VMEXIT, or the
 *   one-entry _LITE form with eIBRS) and the branch history cleared
 *   (X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT) before the first RET.
 * IA32_SPEC_CTRL needs no switch: the guest CPUID does not offer it and
 * its RDMSR/WRMSR get #GP, so the host's value stays in force throughout.
 * Returns: 0 after a VM exit (guest GPRs stored in @regs), 1 after
 * VMfailValid/VMfailInvalid or a fault on the VMX instructions (VMX
 * turned off under us by a reboot); the caller reads VM_INSTRUCTION_ERROR.
 */
SYM_FUNC_START(mvmx_vcpu_enter)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	/* The regs pointer, found again at mvmx_vmexit as the top of stack. */
	push	%rdi

	mov	$VMENTER_HOST_RSP_FIELD, %eax
1:	vmwrite	%rsp, %rax
	jna	.Lvmfail

	/*
	 * Decide LAUNCH vs RESUME now, into CF: the MOVs below keep the
	 * flags, and VERW changes only ZF.
	 */
	bt	$0, %esi

	mov	VCPU_RAX(%rdi), %rax
	mov	VCPU_RCX(%rdi), %rcx
	mov	VCPU_RDX(%rdi), %rdx
	mov	VCPU_RBX(%rdi), %rbx
	mov	VCPU_RBP(%rdi), %rbp
	mov	VCPU_RSI(%rdi), %rsi
	mov	VCPU_R8(%rdi),  %r8
	mov	VCPU_R9(%rdi),  %r9
	mov	VCPU_R10(%rdi), %r10
	mov	VCPU_R11(%rdi), %r11
	mov	VCPU_R12(%rdi), %r12
	mov	VCPU_R13(%rdi), %r13
	mov	VCPU_R14(%rdi), %r14
	mov	VCPU_R15(%rdi), %r15
	mov	VCPU_RDI(%rdi), %rdi

	/* Clobbers ZF only. */
	CLEAR_CPU_BUFFERS

	/* The unwinder's view of this frame, restored at mvmx_vmexit. */
	UNWIND_HINT_SAVE
	jc	.Lvmresume
2:	vmlaunch
	jmp	.Lvmfail
.Lvmresume:
3:	vmresume
	jmp	.Lvmfail

	_ASM_EXTABLE(1b, .Lvmfail)
	_ASM_EXTABLE(2b, .Lvmfail)
	_ASM_EXTABLE(3b, .Lvmfail)

/*
 * The guest's GPRs into *regs (found on top of the stack), RAX = 0. RSP
 * is the host's; every other GPR still holds the guest's value.
 */
.macro STORE_GUEST_GPRS
	push	%rax
	mov	WORD_SIZE(%rsp), %rax	/* regs */
	mov	%rcx, VCPU_RCX(%rax)
	mov	%rdx, VCPU_RDX(%rax)
	mov	%rbx, VCPU_RBX(%rax)
	mov	%rbp, VCPU_RBP(%rax)
	mov	%rsi, VCPU_RSI(%rax)
	mov	%rdi, VCPU_RDI(%rax)
	mov	%r8,  VCPU_R8(%rax)
	mov	%r9,  VCPU_R9(%rax)
	mov	%r10, VCPU_R10(%rax)
	mov	%r11, VCPU_R11(%rax)
	mov	%r12, VCPU_R12(%rax)
	mov	%r13, VCPU_R13(%rax)
	mov	%r14, VCPU_R14(%rax)
	mov	%r15, VCPU_R15(%rax)
	pop	VCPU_RAX(%rax)
	xor	%eax, %eax
.endm

/*
 * HOST_RIP. The CPU arrives here from the guest with RSP = HOST_RSP and
 * every GPR but RSP still holding guest values (SDM Vol. 3C, "Loading
 * Host State": GPRs other than RSP are not loaded on VM exit).
 */
SYM_INNER_LABEL(mvmx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	STORE_GUEST_GPRS

.Lzero_gprs:
	/* No guest value survives in a register, not even speculatively. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%ebx, %ebx
	xor	%ebp, %ebp
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	xor	%r12d, %r12d
	xor	%r13d, %r13d
	xor	%r14d, %r14d
	xor	%r15d, %r15d
	jmp	.Lout

/*
 * HOST_RIP when the host kernel runs with "mitigations=off": the same as
 * mvmx_vmexit without the zeroing. The callee-saved guest values are
 * popped over below and the C caller treats the others as clobbered, so
 * no guest value is ever read as one of the host's.
 */
SYM_INNER_LABEL(mvmx_vmexit_mitigations_off, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	STORE_GUEST_GPRS

.Lout:
	/*
	 * Before the first RET that has no CALL of its own in the RSB. The
	 * fill clobbers RCX; clear_bhb_loop clobbers RAX and RCX, so the
	 * return value waits in RBX (popped below).
	 */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	mov	%eax, %ebx
	CLEAR_BRANCH_HISTORY_VMEXIT
	mov	%ebx, %eax

	add	$WORD_SIZE, %rsp	/* the regs pointer */
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET

.Lvmfail:
	/* Guest values may be in any GPR: zero them whatever HOST_RIP is. */
	mov	$1, %eax
	jmp	.Lzero_gprs
SYM_FUNC_END(mvmx_vcpu_enter)

.section .text, "ax"

/**
 * mvmx_do_interrupt_irqoff - hand an event that caused a VM exit to the host
 * @entry:	%rdi, the host IDT entry point to run: asm_exc_nmi_noist for
 *		an NMI, the gate of the vector for an external interrupt
 *
 * An NMI that arrives while the guest runs causes a VM exit instead of
 * being delivered, and NMIs stay blocked until the next IRET (SDM Vol. 3C,
 * "VM Exits Caused by NMIs"... blocking by NMI persists after the exit).
 * An external interrupt causes a VM exit too, and with "acknowledge
 * interrupt on exit" the CPU has already taken it from the local APIC
 * (SDM Vol. 3C, "VM Exits Caused by External Interrupts"... the vector
 * is in the VM-exit interruption information): no one else will deliver
 * it. Either way, build the frame the CPU would have pushed for an event
 * taken here, with no error code, and call the kernel's entry; its IRET
 * comes back after the call, and for an NMI unblocks NMIs.
 *
 * Requires: IRQs off. Saves: everything the C ABI asks (the entries save
 * all GPRs). Clobbers: flags. Returns: nothing.
 */
SYM_FUNC_START(mvmx_do_interrupt_irqoff)
	push	%rbp
	mov	%rsp, %rbp
	and	$-16, %rsp		/* the CPU aligns RSP for interrupt frames */
	push	$__KERNEL_DS		/* SS */
	push	%rbp			/* RSP */
	pushf				/* RFLAGS */
	push	$__KERNEL_CS		/* CS; the CALL pushes RIP */
	CALL_NOSPEC rdi
	leave
	RET
SYM_FUNC_END(mvmx_do_interrupt_irqoff)
