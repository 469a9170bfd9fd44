// SPDX-License-Identifier: GPL-2.0
/*
 * mmu/insn_decode.c: the MOV forms MMIO accessors compile to, in every
 * code size, against lengths and operands worked out by hand from the
 * SDM's opcode tables (and cross-checked with objdump).
 */
#include <string.h>
#include "unit.h"
#include "../../mmu/insn_decode.c"

struct decode_case {
	const char *name;
	enum insn_mode mode;
	const char *bytes;
	unsigned int n;
	int ret;
	struct insn_mmio want;
};

static const struct decode_case cases[] = {
	/* writel(val, p): mov %eax,(%rdi) */
	{ "64_mov_store_32", INSN_MODE_64, "\x89\x07", 2, INSN_OK,
	  { .len = 2, .kind = INSN_STORE, .size = 4, .reg_size = 4, .reg = 0 } },
	/* readq: mov 0x10(%rsi),%r9 (REX.WR) */
	{ "64_mov_load_64_rex", INSN_MODE_64, "\x4c\x8b\x4e\x10", 4, INSN_OK,
	  { .len = 4, .kind = INSN_LOAD, .size = 8, .reg_size = 8, .reg = 9 } },
	/* writew: mov %cx,(%rdx) */
	{ "64_mov_store_16", INSN_MODE_64, "\x66\x89\x0a", 3, INSN_OK,
	  { .len = 3, .kind = INSN_STORE, .size = 2, .reg_size = 2, .reg = 1 } },
	/* writeb: mov %ah,(%rbx) -- high byte without REX */
	{ "64_mov_store_8_high", INSN_MODE_64, "\x88\x23", 2, INSN_OK,
	  { .len = 2, .kind = INSN_STORE, .size = 1, .reg_size = 1, .reg = 0, .high_byte = 1 } },
	/* mov %sil,(%rbx): with REX, reg 6 is SIL */
	{ "64_mov_store_8_rex_sil", INSN_MODE_64, "\x40\x88\x33", 3, INSN_OK,
	  { .len = 3, .kind = INSN_STORE, .size = 1, .reg_size = 1, .reg = 6 } },
	/* movl $0x12345678,0x8(%rax,%rcx,4) -- SIB + disp8 + imm32 */
	{ "64_mov_store_imm_sib", INSN_MODE_64, "\xc7\x44\x88\x08\x78\x56\x34\x12", 8,
	  INSN_OK, { .len = 8, .kind = INSN_STORE_IMM, .size = 4, .reg_size = 4, .imm = 0x12345678 } },
	/* movq $-1,(%rdi): imm32 sign-extended to 64 */
	{ "64_mov_store_imm_64", INSN_MODE_64, "\x48\xc7\x07\xff\xff\xff\xff", 7, INSN_OK,
	  { .len = 7, .kind = INSN_STORE_IMM, .size = 8, .reg_size = 8, .imm = ~0ull } },
	/* mov 0x1000(%rip),%eax -- RIP-relative disp32 */
	{ "64_mov_load_riprel", INSN_MODE_64, "\x8b\x05\x00\x10\x00\x00", 6, INSN_OK,
	  { .len = 6, .kind = INSN_LOAD, .size = 4, .reg_size = 4, .reg = 0 } },
	/* movzbl (%rdi),%eax */
	{ "64_movzx_8", INSN_MODE_64, "\x0f\xb6\x07", 3, INSN_OK,
	  { .len = 3, .kind = INSN_LOAD_ZX, .size = 1, .reg_size = 4, .reg = 0 } },
	/* movswq (%rdi),%r8 */
	{ "64_movsx_16_to_64", INSN_MODE_64, "\x4c\x0f\xbf\x07", 4, INSN_OK,
	  { .len = 4, .kind = INSN_LOAD_SX, .size = 2, .reg_size = 8, .reg = 8 } },
	/* mov %fs:0x0(,%rax,1),%edx -- segment override, SIB no base, disp32 */
	{ "64_mov_load_seg_sib_nobase", INSN_MODE_64, "\x64\x8b\x14\x05\x00\x00\x00\x00", 8, INSN_OK,
	  { .len = 8, .kind = INSN_LOAD, .size = 4, .reg_size = 4, .reg = 2 } },
	/* movabs 0xfee000f0,%eax (A1 with 8-byte moffs) */
	{ "64_mov_moffs", INSN_MODE_64, "\xa1\xf0\x00\xe0\xfe\x00\x00\x00\x00", 9, INSN_OK,
	  { .len = 9, .kind = INSN_LOAD, .size = 4, .reg_size = 4, .reg = 0 } },
	/* Real mode: mov %ax,(%bx) */
	{ "16_mov_store_16", INSN_MODE_16, "\x89\x07", 2, INSN_OK,
	  { .len = 2, .kind = INSN_STORE, .size = 2, .reg_size = 2, .reg = 0 } },
	/* Real mode: mov 0x1234,%al via [disp16] */
	{ "16_mov_load_8_disp16", INSN_MODE_16, "\x8a\x06\x34\x12", 4, INSN_OK,
	  { .len = 4, .kind = INSN_LOAD, .size = 1, .reg_size = 1, .reg = 0 } },
	/* Real mode: mov %eax,0x10(%si) with 66 prefix */
	{ "16_mov_store_32_prefix", INSN_MODE_16, "\x66\x89\x44\x10", 4, INSN_OK,
	  { .len = 4, .kind = INSN_STORE, .size = 4, .reg_size = 4, .reg = 0 } },
	/* Real mode, 67 prefix: 32-bit addressing mov (%eax),%dx */
	{ "16_mov_load_addr32", INSN_MODE_16, "\x67\x8b\x10", 3, INSN_OK,
	  { .len = 3, .kind = INSN_LOAD, .size = 2, .reg_size = 2, .reg = 2 } },
	/* Real mode: movw $0xbeef,(%di) */
	{ "16_mov_store_imm16", INSN_MODE_16, "\xc7\x05\xef\xbe", 4, INSN_OK,
	  { .len = 4, .kind = INSN_STORE_IMM, .size = 2, .reg_size = 2,
	    .imm = 0xffffffffffffbeefull } },
	/* 32-bit: movb $0x5a,0x100(%ebx) */
	{ "32_mov_store_imm8_disp32", INSN_MODE_32, "\xc6\x83\x00\x01\x00\x00\x5a", 7, INSN_OK,
	  { .len = 7, .kind = INSN_STORE_IMM, .size = 1, .reg_size = 1, .imm = 0x5a } },
	/* Register-to-register MOV cannot touch memory. */
	{ "mod3_refused", INSN_MODE_64, "\x89\xc0", 2, INSN_UNSUPPORTED, {} },
	/* ADD to memory is not decoded: an emulation failure exit. */
	{ "add_refused", INSN_MODE_64, "\x01\x07", 2, INSN_UNSUPPORTED, {} },
	/* C7 /1 is not MOV. */
	{ "c7_not_slash0_refused", INSN_MODE_64, "\xc7\x0f\x00\x00\x00\x00", 6, INSN_UNSUPPORTED, {} },
	/* Cut short in the displacement. */
	{ "truncated_disp", INSN_MODE_64, "\x8b\x05\x00", 3, INSN_TRUNCATED, {} },
	/* 15 prefixes and no opcode: longer than any instruction. */
	{ "too_long", INSN_MODE_64, "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66", 15, INSN_TRUNCATED, {} },
};

int main(void)
{
	unsigned int i;

	printf("TAP version 13\n");
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct decode_case *t = &cases[i];
		struct insn_mmio got;
		int ret = mmu_insn_decode_mmio((const unsigned char *)t->bytes, t->n, t->mode, &got);

		UNIT_CHECK(t->name, ret == t->ret &&
			   (ret != INSN_OK || !memcmp(&got, &t->want, sizeof(got))));
	}
	return unit_done();
}
