/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Requests: work a vCPU must do before its next entry, one bit each in
 * vcpu->requests, in the pattern of KVM's kvm_make_request() and
 * kvm_check_request(). Whoever changes event state makes a request; the
 * run loop looks at the mask with IRQs off just before entry
 * (minikvm_inject_events(), irq/event.c), so an exit path with nothing
 * pending pays one load and one test.
 *
 * The bit operations are atomic: other threads make requests too (an
 * IPI, the LAPIC timer), then kick the vCPU (irq/posted.c).
 */
#ifndef MINIKVM_CORE_REQUEST_H
#define MINIKVM_CORE_REQUEST_H

#include <linux/bitops.h>
#include <linux/compiler.h>

#include "core/minikvm.h"

enum minikvm_request {
	MINIKVM_REQ_EVENT,	/* event state changed: decide what to inject */
	MINIKVM_REQ_NMI,	/* KVM_NMI: count nmi_queued into nmi_pending */
	MINIKVM_REQ_CLOCK_UPDATE, /* rewrite the kvmclock page (core/kvmclock.c) */
	MINIKVM_REQ_IOAPIC_EOI_EXIT,	/* split irqchip: KVM_EXIT_IOAPIC_EOI */
};

static inline void minikvm_make_request(enum minikvm_request req, struct minikvm_vcpu *vcpu)
{
	set_bit(req, &vcpu->requests);
}

static inline bool minikvm_request_pending(struct minikvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->requests);
}

/* Test and clear: true when @req was made since the last check. */
static inline bool minikvm_check_request(enum minikvm_request req, struct minikvm_vcpu *vcpu)
{
	if (!test_bit(req, &vcpu->requests))
		return false;
	clear_bit(req, &vcpu->requests);
	return true;
}

#endif /* MINIKVM_CORE_REQUEST_H */
