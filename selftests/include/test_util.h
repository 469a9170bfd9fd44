/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selftests/lib/: helpers with no kselftest harness in them, so that the
 * library compiles once and each test file owns its harness instance.
 */
#ifndef MINIKVM_TEST_UTIL_H
#define MINIKVM_TEST_UTIL_H

#include <stdbool.h>

/*
 * Shared flags between a test, its threads and its signal handlers: plain
 * variables through atomic builtins (lock-free, so async-signal-safe).
 */
#define TEST_LOAD(x)		__atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define TEST_STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)
#define TEST_INC(x)		__atomic_add_fetch(&(x), 1, __ATOMIC_SEQ_CST)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

/* The device under test, set before any test runs. */
extern const char *test_dev_path;

/* Parse and remove "--dev PATH" from argv; returns the new argc. */
int test_parse_dev(int argc, char **argv);
/* Print which APIC virtualization the device under test uses. */
void test_print_apicv(void);

/* Open the device under test read-write; exits the test on failure. */
int test_open_dev(void);

/* True when the device under test is minikvm (it answers its own ioctl). */
bool test_dev_is_minikvm(void);

/* Read an MSR of @cpu through /dev/cpu/N/msr; -errno on failure. */
int test_read_msr(unsigned int cpu, unsigned int msr, unsigned long long *val);

/* A "Key: N kB" line of /proc/meminfo, in kB; -1 when it is not there. */
long test_meminfo_kb(const char *key);

/*
 * True on make check-debug's kernel (it has kmemleak, the cloud kernel
 * has not): KASAN and lockdep make everything several times dearer
 * there, so a test may do less of what only costs time.
 */
bool test_debug_kernel(void);

/* The TSC's rate in Hz against CLOCK_MONOTONIC (the clock the PIT counts in), over 0.1 s. */
double test_tsc_hz(void);

#endif /* MINIKVM_TEST_UTIL_H */
