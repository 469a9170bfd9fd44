// SPDX-License-Identifier: GPL-2.0
/*
 * vmx/controls.h: the one place control bits meet the capability MSRs.
 */
#include "unit.h"
#include "../../vmx/controls.h"

#define CAP(must1, may1) (((u64)(may1) << 32) | (u32)(must1))

int main(void)
{
	u32 out = 0xdeadbeef;

	printf("TAP version 13\n");
	UNIT_CHECK("required_and_default1_bits_kept",
		   vmx_adjust_controls(0x10, 0, CAP(0x16, 0xff), &out) == 0 && out == 0x16);
	UNIT_CHECK("optional_bits_dropped_when_not_allowed",
		   vmx_adjust_controls(0x1, 0x300, CAP(0, 0x101), &out) == 0 && out == 0x101);
	out = 0x1234;
	UNIT_CHECK("missing_required_bits_reported_and_out_untouched",
		   vmx_adjust_controls(0x81, 0, CAP(0, 0x1), &out) == 0x80 && out == 0x1234);
	UNIT_CHECK("bit31_handled",
		   vmx_adjust_controls(0x80000000u, 0, CAP(0, 0x80000000u), &out) == 0 &&
		   out == 0x80000000u);
	UNIT_CHECK("basic_revision_masks_bit31",
		   vmx_basic_revision_id(0x80000004ull | (0x1000ull << 32)) == 4);
	UNIT_CHECK("basic_region_size", vmx_basic_region_size(0x1000ull << 32) == 0x1000);
	UNIT_CHECK("basic_memtype_wb", vmx_basic_memtype(6ull << 50) == 6);
	UNIT_CHECK("basic_true_ctls", vmx_basic_true_ctls(1ull << 55) &&
		   !vmx_basic_true_ctls(1ull << 54));
	return unit_done();
}
