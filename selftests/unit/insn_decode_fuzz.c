// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for mmu/insn_decode.c. Guest memory is hostile input:
 * whatever the bytes, the decoder must stay inside them, report a length
 * of at most 15, and give the same answer when handed exactly that many
 * bytes (so a page boundary right after the instruction changes nothing).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../mmu/insn_decode.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct insn_mmio a, b;
	enum insn_mode mode;
	unsigned char *copy;
	int ret;

	if (size < 1)
		return 0;
	mode = data[0] % 3;
	data++;
	size--;
	/* An exact-size heap copy lets ASan catch any read past the end. */
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	ret = mmu_insn_decode_mmio(copy, size, mode, &a);
	if (ret == INSN_OK) {
		if (a.len == 0 || a.len > INSN_MAX_LEN || a.len > size)
			abort();
		if ((a.size != 1 && a.size != 2 && a.size != 4 && a.size != 8) || a.reg > 15)
			abort();
		if (mmu_insn_decode_mmio(copy, a.len, mode, &b) != INSN_OK || memcmp(&a, &b, sizeof(a)))
			abort();
	} else if (ret != INSN_TRUNCATED && ret != INSN_UNSUPPORTED) {
		abort();
	}
	free(copy);
	return 0;
}
