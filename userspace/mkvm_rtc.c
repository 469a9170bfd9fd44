// SPDX-License-Identifier: GPL-2.0
/*
 * The CMOS RTC (MC146818): port 0x70 selects a register (bit 7 masks NMI
 * on a PC, ignored here), port 0x71 reads or writes it. The clock
 * registers read the host's UTC time on each access, in BCD or binary as
 * register B asks; update-in-progress never shows, so a reader never
 * waits. No alarm, no periodic interrupt (IRQ 8 stays low). Register
 * numbers from the MC146818 datasheet, as <linux/mc146818rtc.h> names them.
 */
#include <time.h>

#include "mkvm.h"

#define RTC_INDEX	0x70
#define CMOS_SIZE	128
#define REG_SEC		0x00
#define REG_MIN		0x02
#define REG_HOUR	0x04
#define REG_WDAY	0x06
#define REG_MDAY	0x07
#define REG_MON		0x08
#define REG_YEAR	0x09
#define REG_A		0x0a
#define REG_B		0x0b
#define REG_C		0x0c
#define REG_D		0x0d
#define REG_CENTURY	0x32
#define B_24H		0x02
#define B_BINARY	0x04
#define D_VRT		0x80	/* valid RAM and time */

static struct rtc {
	struct mkvm_device dev;
	uint8_t index;
	uint8_t cmos[CMOS_SIZE];
} rtc;

/* A clock register's value now, or -1 when REG is not a clock register. */
static int rtc_time_reg(uint8_t reg)
{
	time_t now = time(NULL);
	unsigned int i;
	struct tm tm;
	int v;

	gmtime_r(&now, &tm);
	{
		const struct { uint8_t reg; int val; } clock[] = {
			{ REG_SEC, tm.tm_sec }, { REG_MIN, tm.tm_min },
			{ REG_HOUR, tm.tm_hour }, { REG_WDAY, tm.tm_wday + 1 },
			{ REG_MDAY, tm.tm_mday }, { REG_MON, tm.tm_mon + 1 },
			{ REG_YEAR, tm.tm_year % 100 },
			{ REG_CENTURY, (tm.tm_year + 1900) / 100 },
		};

		for (i = 0; i < ARRAY_SIZE(clock); i++) {
			if (clock[i].reg != reg)
				continue;
			v = clock[i].val;
			if (rtc.cmos[REG_B] & B_BINARY)
				return v;
			return (v / 10) << 4 | (v % 10);
		}
	}
	return -1;
}

static void rtc_access(struct mkvm_vm *vm, struct mkvm_device *dev, uint64_t off,
		       uint8_t *data, unsigned int size, int write)
{
	int v;

	(void)vm;
	(void)dev;
	(void)size;
	if (off == 0) {
		if (write)
			rtc.index = data[0] & 0x7f;
		else
			data[0] = 0xff;	/* the index port is write-only */
		return;
	}
	v = rtc_time_reg(rtc.index);
	if (write) {
		/* The clock follows the host; C and D are read-only. */
		if (v < 0 && rtc.index != REG_C && rtc.index != REG_D)
			rtc.cmos[rtc.index] = data[0];
		return;
	}
	if (v >= 0)
		data[0] = v;
	else if (rtc.index == REG_A)
		data[0] = rtc.cmos[REG_A] & 0x7f;	/* never update-in-progress */
	else
		data[0] = rtc.cmos[rtc.index];
}

int mkvm_rtc_init(struct mkvm_vm *vm)
{
	rtc = (struct rtc){ .dev = { .name = "cmos rtc", .sizes = 1 << 1,
				     .access = rtc_access, .irq = -1 } };
	rtc.cmos[REG_A] = 0x26;		/* 32.768 kHz time base, 1024 Hz rate */
	rtc.cmos[REG_B] = B_24H;
	rtc.cmos[REG_D] = D_VRT;
	return mkvm_bus_register(vm, MKVM_PIO, RTC_INDEX, 2, &rtc.dev);
}
