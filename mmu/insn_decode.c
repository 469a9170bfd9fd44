// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO instruction decoder; see insn_decode.h for what it covers.
 * SDM Vol. 2A, "Instruction Format" and "Operand-Size and Address-Size
 * Attributes" are the rules encoded here.
 */
#include "mmu/insn_decode.h"

struct insn_cursor {
	const unsigned char *p;
	unsigned int left;
	unsigned int used;
};

static int insn_next(struct insn_cursor *c, unsigned char *b)
{
	if (!c->left || c->used >= INSN_MAX_LEN)
		return INSN_TRUNCATED;
	*b = *c->p++;
	c->left--;
	c->used++;
	return INSN_OK;
}

static int insn_skip(struct insn_cursor *c, unsigned int n)
{
	unsigned char b;
	int ret;

	while (n--) {
		ret = insn_next(c, &b);
		if (ret)
			return ret;
	}
	return INSN_OK;
}

/* Little-endian immediate of n bytes, sign-extended to 64 bits. */
static int insn_imm(struct insn_cursor *c, unsigned int n, unsigned long long *v)
{
	unsigned long long x = 0;
	unsigned int i;
	unsigned char b;
	int ret;

	for (i = 0; i < n; i++) {
		ret = insn_next(c, &b);
		if (ret)
			return ret;
		x |= (unsigned long long)b << (8 * i);
	}
	if (n < 8 && (x >> (8 * n - 1)) & 1)
		x |= ~0ull << (8 * n);
	*v = x;
	return INSN_OK;
}

/*
 * Skip the ModRM memory operand: SIB and displacement. A register operand
 * (mod = 3) cannot be the MMIO access and is refused.
 */
static int insn_modrm(struct insn_cursor *c, unsigned int addr_size, unsigned char *modrm)
{
	unsigned char mod, rm, sib;
	int ret = insn_next(c, modrm);

	if (ret)
		return ret;
	mod = *modrm >> 6;
	rm = *modrm & 7;
	if (mod == 3)
		return INSN_UNSUPPORTED;
	if (addr_size == 2) {
		/* 16-bit forms: [disp16] is mod 0, rm 6. */
		if (mod == 0 && rm == 6)
			return insn_skip(c, 2);
		return insn_skip(c, mod == 1 ? 1 : mod == 2 ? 2 : 0);
	}
	if (rm == 4) {
		ret = insn_next(c, &sib);
		if (ret)
			return ret;
		/* SIB base 101b with mod 0: disp32, no base. */
		if (mod == 0 && (sib & 7) == 5)
			return insn_skip(c, 4);
	} else if (mod == 0 && rm == 5) {
		/* disp32, RIP-relative in 64-bit mode. */
		return insn_skip(c, 4);
	}
	return insn_skip(c, mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

/*
 * Legacy prefixes that may precede a MOV: operand and address size,
 * segment overrides, and REP (ignored by MOV).
 */
static int insn_is_prefix(unsigned char b)
{
	return b == 0x66 || b == 0x67 || b == 0x26 || b == 0x2e || b == 0x36 ||
	       b == 0x3e || b == 0x64 || b == 0x65 || b == 0xf2 || b == 0xf3;
}

/**
 * mmu_insn_decode_mmio() - decode one instruction that accessed MMIO
 * @bytes: instruction bytes from the guest's RIP
 * @avail: how many of them could be read (at most INSN_MAX_LEN are used)
 * @mode: default operand/address size of the code segment
 * @out: the decoded access
 *
 * Return: INSN_OK, INSN_TRUNCATED or INSN_UNSUPPORTED.
 */
int mmu_insn_decode_mmio(const unsigned char *bytes, unsigned int avail, enum insn_mode mode,
		     struct insn_mmio *out)
{
	struct insn_cursor c = { bytes, avail, 0 };
	unsigned int opsize_prefix = 0, addrsize_prefix = 0, rex = 0;
	unsigned int op_size, addr_size;
	unsigned char b, modrm;
	int ret;

	/* Legacy prefixes, then at most one REX, which must come last. */
	for (;;) {
		ret = insn_next(&c, &b);
		if (ret)
			return ret;
		if (mode == INSN_MODE_64 && (b & 0xf0) == 0x40) {
			rex = b;
			ret = insn_next(&c, &b);
			if (ret)
				return ret;
			break;
		}
		if (!insn_is_prefix(b))
			break;
		if (b == 0x66)
			opsize_prefix = 1;
		else if (b == 0x67)
			addrsize_prefix = 1;
	}

	if (rex & 8)
		op_size = 8;
	else if (mode == INSN_MODE_16)
		op_size = opsize_prefix ? 4 : 2;
	else
		op_size = opsize_prefix ? 2 : 4;
	if (mode == INSN_MODE_64)
		addr_size = addrsize_prefix ? 4 : 8;
	else if (mode == INSN_MODE_32)
		addr_size = addrsize_prefix ? 2 : 4;
	else
		addr_size = addrsize_prefix ? 4 : 2;

	*out = (struct insn_mmio) { .reg_size = op_size, .size = op_size };
	switch (b) {
	case 0x88:	/* MOV r/m8, r8 */
	case 0x89:	/* MOV r/m, r */
	case 0x8a:	/* MOV r8, r/m8 */
	case 0x8b:	/* MOV r, r/m */
		ret = insn_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		out->kind = (b & 2) ? INSN_LOAD : INSN_STORE;
		out->reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
		if (!(b & 1))
			out->size = out->reg_size = 1;
		break;
	case 0xc6:	/* MOV r/m8, imm8 */
	case 0xc7:	/* MOV r/m, imm16/32 (sign-extended to 64 with REX.W) */
		ret = insn_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		if ((modrm >> 3) & 7)
			return INSN_UNSUPPORTED;	/* only /0 is MOV */
		out->kind = INSN_STORE_IMM;
		if (b == 0xc6)
			out->size = out->reg_size = 1;
		ret = insn_imm(&c, out->size == 8 ? 4 : out->size, &out->imm);
		if (ret)
			return ret;
		break;
	case 0xa0:	/* MOV AL, moffs8 */
	case 0xa1:	/* MOV rAX, moffs */
	case 0xa2:	/* MOV moffs8, AL */
	case 0xa3:	/* MOV moffs, rAX */
		ret = insn_skip(&c, addr_size);
		if (ret)
			return ret;
		out->kind = (b & 2) ? INSN_STORE : INSN_LOAD;
		out->reg = 0;
		if (!(b & 1))
			out->size = out->reg_size = 1;
		break;
	case 0x0f:
		ret = insn_next(&c, &b);
		if (ret)
			return ret;
		if (b != 0xb6 && b != 0xb7 && b != 0xbe && b != 0xbf)
			return INSN_UNSUPPORTED;
		ret = insn_modrm(&c, addr_size, &modrm);
		if (ret)
			return ret;
		out->kind = (b & 8) ? INSN_LOAD_SX : INSN_LOAD_ZX;
		out->reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
		out->size = (b & 1) ? 2 : 1;
		break;
	default:
		return INSN_UNSUPPORTED;
	}
	/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
	if (out->reg_size == 1 && !rex && out->reg >= 4 && out->reg < 8) {
		out->reg -= 4;
		out->high_byte = 1;
	}
	out->len = c.used;
	return INSN_OK;
}
