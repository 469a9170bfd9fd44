/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoder for the instructions that touch MMIO: the MOV forms compilers
 * emit for readl()/writel()/ioread*(): MOV r/m,r (88/89), MOV r,r/m
 * (8A/8B), MOV r/m,imm (C6/C7 /0), MOVZX/MOVSX (0F B6/B7/BE/BF) and MOV
 * with a direct offset (A0-A3), with operand-size, address-size, segment
 * and REX prefixes, 16-bit and 32/64-bit ModRM with SIB and displacements.
 *
 * Plain C with no kernel calls: the host unit test and the fuzz target in
 * selftests/unit/ compile this very code. The address is not computed:
 * the CPU reports the guest-physical address of the access in the exit.
 */
#ifndef MINIKVM_INSN_DECODE_H
#define MINIKVM_INSN_DECODE_H

#define INSN_MAX_LEN	15	/* SDM Vol. 2A, "Instruction Format" */

/* The default operand and address size of the code segment. */
enum insn_mode {
	INSN_MODE_16,		/* real mode, or CS.D = 0 */
	INSN_MODE_32,		/* CS.D = 1 */
	INSN_MODE_64,		/* IA-32e mode with CS.L = 1 */
};

enum insn_kind {
	INSN_LOAD,		/* register <- memory, size bytes */
	INSN_LOAD_ZX,		/* register <- zero-extended memory */
	INSN_LOAD_SX,		/* register <- sign-extended memory */
	INSN_STORE,		/* memory <- register */
	INSN_STORE_IMM,		/* memory <- immediate */
};

struct insn_mmio {
	unsigned char len;	/* bytes, prefixes included */
	unsigned char kind;	/* enum insn_kind */
	unsigned char size;	/* memory operand: 1, 2, 4 or 8 bytes */
	unsigned char reg_size;	/* register operand: 1, 2, 4 or 8 bytes */
	unsigned char reg;	/* register number, 0 = RAX ... 15 = R15 */
	unsigned char high_byte; /* AH, CH, DH, BH: bits 15:8 of reg */
	unsigned long long imm;	/* INSN_STORE_IMM: the value, sign-extended */
};

#define INSN_OK		0
#define INSN_TRUNCATED	(-1)	/* ran out of bytes */
#define INSN_UNSUPPORTED (-2)	/* not one of the forms above */

int mmu_insn_decode_mmio(const unsigned char *bytes, unsigned int avail, enum insn_mode mode,
		     struct insn_mmio *out);

#endif /* MINIKVM_INSN_DECODE_H */
