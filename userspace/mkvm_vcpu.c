// SPDX-License-Identifier: GPL-2.0
/*
 * One thread per vCPU, each in a loop of KVM_RUN and the exit it returns
 * with: port and MMIO accesses go to the bus (mkvm_bus.c), a reset, a
 * poweroff or a triple fault stops the VM, anything unexpected stops it
 * with an error. Stopping (mkvm_vm_stop(), from any thread) records the
 * first reason only, sets immediate_exit in every vCPU's kvm_run and
 * sends each thread SIGUSR1: a thread inside KVM_RUN comes out with
 * EINTR, one about to enter it comes straight back (immediate_exit), and
 * the main thread wakes on the stop eventfd to join them.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "mkvm.h"

#define KICK_SIGNAL	SIGUSR1

static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "unknown",
	[KVM_EXIT_EXCEPTION] = "exception",
	[KVM_EXIT_IO] = "io",
	[KVM_EXIT_HYPERCALL] = "hypercall",
	[KVM_EXIT_DEBUG] = "debug",
	[KVM_EXIT_HLT] = "hlt",
	[KVM_EXIT_MMIO] = "mmio",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "irq_window_open",
	[KVM_EXIT_SHUTDOWN] = "shutdown",
	[KVM_EXIT_FAIL_ENTRY] = "fail_entry",
	[KVM_EXIT_INTR] = "intr",
	[KVM_EXIT_SET_TPR] = "set_tpr",
	[KVM_EXIT_TPR_ACCESS] = "tpr_access",
	[KVM_EXIT_NMI] = "nmi",
	[KVM_EXIT_INTERNAL_ERROR] = "internal_error",
	[KVM_EXIT_SYSTEM_EVENT] = "system_event",
	[KVM_EXIT_X86_RDMSR] = "x86_rdmsr",
	[KVM_EXIT_X86_WRMSR] = "x86_wrmsr",
};

const char *mkvm_exit_name(unsigned int reason)
{
	if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
		return exit_names[reason];
	return "?";
}

/* Orders stopping against starting the threads: none is kicked half-made. */
static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;

void mkvm_vm_stop(struct mkvm_vm *vm, int status, const char *why)
{
	uint64_t one = 1;
	ssize_t r;
	int i;

	pthread_mutex_lock(&stop_lock);
	if (!vm->stopping) {
		vm->status = status;
		snprintf(vm->why, sizeof(vm->why), "%s", why);
		__atomic_store_n(&vm->stopping, 1, __ATOMIC_SEQ_CST);
		for (i = 0; i < vm->nr_cpus; i++) {
			if (!vm->vcpus[i].run)
				continue;
			vm->vcpus[i].run->immediate_exit = 1;
			if (vm->vcpus[i].thread)
				pthread_kill(vm->vcpus[i].thread, KICK_SIGNAL);
		}
		r = write(vm->stop_fd, &one, sizeof(one));
		(void)r;	/* the eventfd's counter cannot overflow here */
	}
	pthread_mutex_unlock(&stop_lock);
}

static void stopf(struct mkvm_vm *vm, int status, const char *fmt, ...)
{
	char why[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	mkvm_vm_stop(vm, status, why);
}

/* A fatal exit: where the vCPU was, in one line. */
static void fatal(struct mkvm_vcpu *v, const char *what, unsigned long long detail)
{
	struct kvm_regs regs = { 0 };
	struct kvm_sregs sregs = { 0 };

	ioctl(v->fd, KVM_GET_REGS, &regs);
	ioctl(v->fd, KVM_GET_SREGS, &sregs);
	stopf(v->vm, MKVM_ERROR, "vcpu%d: %s %#llx at rip %#llx (cr0 %#llx cr3 %#llx efer %#llx)",
	      v->id, what, detail, (unsigned long long)regs.rip, (unsigned long long)sregs.cr0,
	      (unsigned long long)sregs.cr3, (unsigned long long)sregs.efer);
}

static void trace_access(struct mkvm_vcpu *v, const char *kind, uint64_t addr,
			 const uint8_t *data, unsigned int size, int write, const char *dev)
{
	uint64_t val = 0;

	memcpy(&val, data, size);
	fprintf(stderr, "vcpu%d %-4s %-5s %#llx/%u %s %#llx  %s\n", v->id, kind,
		write ? "write" : "read", (unsigned long long)addr, size,
		write ? "<-" : "->", (unsigned long long)val, dev ? dev : "(unhandled)");
}

static void handle_io(struct mkvm_vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	int write = run->io.direction == KVM_EXIT_IO_OUT;
	unsigned int i, size = run->io.size;
	const char *dev;

	/* A string instruction hands over up to a page of elements. */
	if (run->io.data_offset + (uint64_t)size * run->io.count > (uint64_t)v->vm->run_size) {
		fatal(v, "io exit data outside kvm_run, port", run->io.port);
		return;
	}
	for (i = 0; i < run->io.count; i++, data += size) {
		dev = mkvm_bus_access(v->vm, MKVM_PIO, run->io.port, data, size, write);
		if (v->vm->trace)
			trace_access(v, "io", run->io.port, data, size, write, dev);
	}
}

static void handle_mmio(struct mkvm_vcpu *v)
{
	struct kvm_run *run = v->run;
	const char *dev;

	dev = mkvm_bus_access(v->vm, MKVM_MMIO, run->mmio.phys_addr, run->mmio.data,
			      run->mmio.len, run->mmio.is_write);
	if (v->vm->trace)
		trace_access(v, "mmio", run->mmio.phys_addr, run->mmio.data, run->mmio.len,
			     run->mmio.is_write, dev);
}

static void handle_exit(struct mkvm_vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(v);
		break;
	case KVM_EXIT_MMIO:
		handle_mmio(v);
		break;
	case KVM_EXIT_INTR:
		break;
	case KVM_EXIT_SHUTDOWN:
		stopf(v->vm, MKVM_TRIPLE_FAULT, "vcpu%d: triple fault (KVM_EXIT_SHUTDOWN)", v->id);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_RESET)
			stopf(v->vm, MKVM_OK, "vcpu%d: guest reset (system event)", v->id);
		else if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
			stopf(v->vm, MKVM_OK, "vcpu%d: guest powered off (system event)", v->id);
		else
			fatal(v, "system event", run->system_event.type);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		fatal(v, "VM entry failed, hardware reason",
		      run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		fatal(v, "internal error, suberror", run->internal.suberror);
		break;
	default:
		/* HLT among them: with the in-kernel LAPIC it never exits. */
		fatal(v, "unexpected exit", run->exit_reason);
		break;
	}
}

static void *vcpu_thread(void *arg)
{
	struct mkvm_vcpu *v = arg;
	struct mkvm_vm *vm = v->vm;
	unsigned int reason;

	while (!__atomic_load_n(&vm->stopping, __ATOMIC_SEQ_CST)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			stopf(vm, MKVM_ERROR, "vcpu%d: KVM_RUN: %s", v->id, strerror(errno));
			break;
		}
		reason = v->run->exit_reason;
		__atomic_fetch_add(&vm->exits[reason < MKVM_NR_EXITS ? reason : 0], 1,
				   __ATOMIC_RELAXED);
		if (vm->trace && reason != KVM_EXIT_IO && reason != KVM_EXIT_MMIO)
			fprintf(stderr, "vcpu%d exit %s (%u)\n", v->id, mkvm_exit_name(reason), reason);
		handle_exit(v);
	}
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig;	/* its only job: make KVM_RUN return EINTR */
}

int mkvm_vcpus_start(struct mkvm_vm *vm)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	int i, r;

	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);
	pthread_mutex_lock(&stop_lock);
	for (i = 0, r = 0; i < vm->nr_cpus && !r && !vm->stopping; i++) {
		r = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);
		if (r)
			vm->vcpus[i].thread = 0;
	}
	pthread_mutex_unlock(&stop_lock);
	if (r)
		stopf(vm, MKVM_ERROR, "cannot start the thread of vcpu%d: %s", i - 1, strerror(r));
	return -r;
}

void mkvm_vcpus_join(struct mkvm_vm *vm)
{
	int i;

	for (i = 0; i < vm->nr_cpus; i++)
		if (vm->vcpus[i].thread)
			pthread_join(vm->vcpus[i].thread, NULL);
}
