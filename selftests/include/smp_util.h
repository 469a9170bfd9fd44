/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guests with several vCPUs, each on its own host thread: the thread
 * that runs a vCPU until its guest says done, and the setup the SMP
 * tests share (lib/smp_util.c).
 */
#ifndef MINIKVM_SELFTEST_SMP_UTIL_H
#define MINIKVM_SELFTEST_SMP_UTIL_H

#include <pthread.h>
#include <stdint.h>

#include "kvm_util.h"

#define SMP_PORT_DONE		0x11	/* the guest's "done": the thread ends */
#define SMP_MAX_RESULTS		8

struct smp_vcpu {
	struct kvm_vcpu *vcpu;
	int cpu;		/* host CPU to pin the thread to; -1: none */
	pthread_t thread;
	uint32_t results[SMP_MAX_RESULTS];	/* OUTs to PORT_RESULT, in order */
	int nresults;
	int eagain;		/* KVM_RUN's -EAGAIN: an AP waiting for INIT/SIPI */
	int error;		/* an unexpected exit (1000 + reason), or KVM_RUN's errno */
};

/*
 * 32-bit protected mode at CODE_GPA with the shared IDT, and a 4 KiB
 * stack of its own below STACK_TOP per vCPU id.
 */
void smp_setup_vcpu(struct kvm_vcpu *vcpu);

/*
 * Starts @v's thread: KVM_RUN until SMP_PORT_DONE, an error or smp_stop();
 * again after -EAGAIN, as a VMM runs an AP that waits for INIT or SIPI.
 */
int smp_start(struct smp_vcpu *v);

/*
 * Ends a thread whose guest never says done (a vCPU halted for good):
 * KVM_RUN's next return ends it, forced by immediate_exit and a signal.
 * Then joins it.
 */
void smp_stop(struct smp_vcpu *v);

/*
 * Runs @n vCPUs, each on its thread, until the first one's guest says
 * done, then stops the others (smp_stop()). Return: the seconds it took,
 * or -1 when a thread could not start (the others are stopped).
 */
double smp_run(struct smp_vcpu *v, int n);

#endif /* MINIKVM_SELFTEST_SMP_UTIL_H */
