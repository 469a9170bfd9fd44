// SPDX-License-Identifier: GPL-2.0
/*
 * A 16550A UART on COM1 (ports 0x3f8-0x3ff, ISA IRQ 4) and the console
 * behind it: what the guest writes goes to stdout at once (the transmit
 * holding register is always empty again), what arrives on stdin waits in
 * a 16-byte receive FIFO. Console input that finds the FIFO full is not
 * dropped: mkvm_console_input() takes what fits, the main thread holds the
 * rest and stops reading stdin, and the guest's next read of the receive
 * buffer (or a FIFO reset) signals vm->console_fd for more, the way a
 * terminal line with flow control would pace it. The IRQ line follows the interrupt identification
 * register, as QEMU's 16550 does: high while an enabled interrupt is
 * pending, low otherwise; KVM's IOAPIC or PIC turns the rising edge into
 * an interrupt. Registers by the 8250/16550 datasheet (National
 * Semiconductor PC16550D), the names of <linux/serial_reg.h>.
 */
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <x86intrin.h>
#include <linux/serial_reg.h>

#include "mkvm.h"

#define COM1_BASE	0x3f8
#define COM1_IRQ	4
#define RX_FIFO		16

struct uart {
	struct mkvm_device dev;
	uint8_t ier, lcr, mcr, fcr, scr, dll, dlm;
	uint8_t rx[RX_FIFO];
	unsigned int rx_head, rx_count;
	int thri_pending, line;
	int rx_held;		/* console input waits for room in rx[] */
};

static struct uart com1;

static uint8_t uart_iir(struct uart *u)
{
	uint8_t fifo = (u->fcr & UART_FCR_ENABLE_FIFO) ? 0xc0 : 0;

	if ((u->ier & UART_IER_RDI) && u->rx_count)
		return fifo | UART_IIR_RDI;
	if ((u->ier & UART_IER_THRI) && u->thri_pending)
		return fifo | UART_IIR_THRI;
	return fifo | UART_IIR_NO_INT;
}

static void uart_update_irq(struct mkvm_vm *vm, struct uart *u)
{
	int level = !(uart_iir(u) & UART_IIR_NO_INT);

	if (level != u->line) {
		u->line = level;
		mkvm_irq_line(vm, COM1_IRQ, level);
	}
}

static void rx_push(struct uart *u, uint8_t c)
{
	if (u->rx_count < RX_FIFO)
		u->rx[(u->rx_head + u->rx_count++) % RX_FIFO] = c;
}

static uint8_t rx_pop(struct uart *u)
{
	uint8_t c = 0;

	if (u->rx_count) {
		c = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % RX_FIFO;
		u->rx_count--;
	}
	return c;
}

/* Modem status: in loopback the outputs come back as the inputs. */
static uint8_t uart_msr(struct uart *u)
{
	uint8_t m = 0;

	if (!(u->mcr & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	if (u->mcr & UART_MCR_DTR)
		m |= UART_MSR_DSR;
	if (u->mcr & UART_MCR_RTS)
		m |= UART_MSR_CTS;
	if (u->mcr & UART_MCR_OUT1)
		m |= UART_MSR_RI;
	if (u->mcr & UART_MCR_OUT2)
		m |= UART_MSR_DCD;
	return m;
}

static void uart_write(struct uart *u, unsigned int reg, uint8_t v)
{
	int dlab = u->lcr & UART_LCR_DLAB;
	ssize_t r;

	switch (reg) {
	case UART_TX:
		if (dlab) {
			u->dll = v;
		} else if (u->mcr & UART_MCR_LOOP) {
			rx_push(u, v);
			u->thri_pending = 1;
		} else {
			r = write(STDOUT_FILENO, &v, 1);
			(void)r;	/* a closed stdout loses output, not the guest */
			u->thri_pending = 1;
		}
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = v;
		} else {
			/* Enabling THRI with the holder empty interrupts at once. */
			if ((v & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
				u->thri_pending = 1;
			u->ier = v & 0x0f;
		}
		break;
	case UART_FCR:
		if (v & UART_FCR_CLEAR_RCVR)
			u->rx_count = 0;
		u->fcr = v & (UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_MASK);
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		u->mcr = v & 0x1f;
		break;
	case UART_SCR:
		u->scr = v;
		break;
	default:		/* LSR and MSR are read-only */
		break;
	}
}

static uint8_t uart_read(struct uart *u, unsigned int reg)
{
	int dlab = u->lcr & UART_LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case UART_RX:
		return dlab ? u->dll : rx_pop(u);
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		v = uart_iir(u);
		/* Reading IIR that reports THRI acknowledges it. */
		if ((v & 0x0f) == UART_IIR_THRI)
			u->thri_pending = 0;
		return v;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return UART_LSR_TEMT | UART_LSR_THRE | (u->rx_count ? UART_LSR_DR : 0);
	case UART_MSR:
		return uart_msr(u);
	default:
		return u->scr;
	}
}

/*
 * --mark: one more byte of console output; the TSC the first time the
 * output held the mark. Restarting at the byte that broke a partial match
 * is enough for marks whose first byte does not recur in them.
 */
static void uart_mark(struct mkvm_vm *vm, uint8_t c)
{
	if (!vm->mark || vm->mark_tsc)
		return;
	if (c != (uint8_t)vm->mark[vm->mark_pos])
		vm->mark_pos = c == (uint8_t)vm->mark[0];
	else
		vm->mark_pos++;
	if (vm->mark_pos == vm->mark_len)
		vm->mark_tsc = __rdtsc();
}

/* The guest made room in rx[]: the main thread may hand over held input. */
static void rx_room(struct mkvm_vm *vm, struct uart *u)
{
	uint64_t one = 1;
	ssize_t r;

	u->rx_held = 0;
	r = write(vm->console_fd, &one, sizeof(one));
	(void)r;	/* an eventfd write fails only on overflow */
}

static void uart_access(struct mkvm_vm *vm, struct mkvm_device *dev, uint64_t off,
			uint8_t *data, unsigned int size, int write)
{
	struct uart *u = (struct uart *)dev;

	(void)size;		/* the bus lets only 1-byte accesses through */
	if (write && off == UART_TX && !(u->lcr & UART_LCR_DLAB) && !(u->mcr & UART_MCR_LOOP))
		uart_mark(vm, data[0]);
	if (write)
		uart_write(u, off, data[0]);
	else
		data[0] = uart_read(u, off);
	uart_update_irq(vm, u);
	if (u->rx_held && u->rx_count < RX_FIFO)
		rx_room(vm, u);
}

int mkvm_uart_init(struct mkvm_vm *vm)
{
	com1 = (struct uart){ .dev = { .name = "uart 16550A (COM1)", .sizes = 1 << 1,
				       .access = uart_access, .irq = COM1_IRQ } };
	return mkvm_bus_register(vm, MKVM_PIO, COM1_BASE, 8, &com1.dev);
}

/*
 * The main thread hands over what it read from stdin: the bytes that fit
 * in the receive FIFO go in, and the count of those is returned. When not
 * all fit, vm->console_fd is written once the guest has made room.
 */
int mkvm_console_input(struct mkvm_vm *vm, const uint8_t *buf, int n)
{
	int i;

	pthread_mutex_lock(&vm->lock);
	for (i = 0; i < n && com1.rx_count < RX_FIFO; i++)
		rx_push(&com1, buf[i]);
	com1.rx_held = i < n;
	uart_update_irq(vm, &com1);
	pthread_mutex_unlock(&vm->lock);
	return i;
}

/*
 * stdin on a terminal goes raw (bytes as typed, no echo), except that
 * Ctrl-C still raises SIGINT, which stops the VM. The saved mode comes
 * back on every way out: mkvm_run() calls mkvm_console_restore() on its
 * return paths and atexit() covers exit().
 */
static struct termios saved_tio;
static int tio_saved;

void mkvm_console_restore(void)
{
	if (tio_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
		tio_saved = 0;
	}
}

int mkvm_console_start(struct mkvm_vm *vm)
{
	struct termios tio;

	(void)vm;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio))
		return 0;
	tio = saved_tio;
	tio.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	tio.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
	tio.c_cflag |= CS8;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	tio_saved = 1;
	atexit(mkvm_console_restore);
	return tcsetattr(STDIN_FILENO, TCSANOW, &tio) ? -1 : 0;
}
