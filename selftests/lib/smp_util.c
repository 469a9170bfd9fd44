// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU threads for the SMP selftests (include/smp_util.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "smp_util.h"

static int smp_stopping;	/* set by smp_stop(), read by vCPU threads */

static void smp_on_sigusr1(int sig)
{
	(void)sig;
}

void smp_setup_vcpu(struct kvm_vcpu *vcpu)
{
	struct kvm_regs regs;

	vcpu_setup_prot32(vcpu, CODE_GPA, false);
	vcpu_setup_prot32_idt(vcpu);
	vcpu_get_regs(vcpu, &regs);
	regs.rsp = STACK_TOP - 0x1000 * vcpu->id;
	vcpu_set_regs(vcpu, &regs);
}

static void *smp_thread(void *arg)
{
	struct smp_vcpu *v = arg;
	struct kvm_run *run = v->vcpu->run;
	cpu_set_t set;

	if (v->cpu >= 0 && v->cpu < sysconf(_SC_NPROCESSORS_ONLN)) {
		CPU_ZERO(&set);
		CPU_SET(v->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	for (;;) {
		if (ioctl(v->vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EAGAIN) {
				v->eagain++;
				continue;
			}
			if (errno == EINTR && !__atomic_load_n(&smp_stopping, __ATOMIC_ACQUIRE))
				continue;
			if (errno != EINTR)
				v->error = errno;
			return NULL;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == PORT_RESULT &&
		    v->nresults < SMP_MAX_RESULTS) {
			v->results[v->nresults++] = *(uint32_t *)io_data(v->vcpu);
			continue;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == SMP_PORT_DONE)
			return NULL;
		v->error = 1000 + run->exit_reason;
		return NULL;
	}
}

int smp_start(struct smp_vcpu *v)
{
	struct sigaction sa = { .sa_handler = smp_on_sigusr1 };

	__atomic_store_n(&smp_stopping, 0, __ATOMIC_RELEASE);
	sigaction(SIGUSR1, &sa, NULL);
	return pthread_create(&v->thread, NULL, smp_thread, v);
}

void smp_stop(struct smp_vcpu *v)
{
	__atomic_store_n(&smp_stopping, 1, __ATOMIC_RELEASE);
	v->vcpu->run->immediate_exit = 1;
	pthread_kill(v->thread, SIGUSR1);
	pthread_join(v->thread, NULL);
}

double smp_run(struct smp_vcpu *v, int n)
{
	struct timespec t0, t1;
	int i, started;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (started = 0; started < n; started++)
		if (smp_start(&v[started]))
			break;
	if (started == n)
		pthread_join(v[0].thread, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = started == n ? 1 : 0; i < started; i++)
		smp_stop(&v[i]);
	if (started < n)
		return -1;
	return (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
}
