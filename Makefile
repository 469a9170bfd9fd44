# SPDX-License-Identifier: GPL-2.0
#
# minikvm top-level Makefile. The module itself is described in Kbuild;
# this file drives kbuild, the userspace programs, the selftests
# (selftests/Makefile) and the nested test VM (tools/testvm/).
#
#   make deps         install the Debian packages the targets below need
#                     (all, run, check, bench, check-debug and ci run it first)
#   make              module + userspace + selftests
#   make run          boot the test VM, load minikvm, print the VMX probe
#                     and the GVA -> GPA -> HVA -> HPA chain of a live guest,
#                     then boot the VM's own kernel nested with mkvm run and
#                     show its console (on minikvm; on /dev/kvm where
#                     minikvm cannot boot Linux)
#   make run-linux    the nested Linux boots (mkvm run, 1 and 2 vCPUs) on
#                     /dev/minikvm and /dev/kvm in one test VM
#   make check        unit tests, static checks, then every selftest on both
#                     devices in three test VMs side by side: two with 1 CPU
#                     sharing the 1cpu tests, one with 2 CPUs, which then
#                     runs Linux's KVM selftests on both devices as a gate
#   make bench        exit costs (CPUID, OUT to userspace, first touch of a
#                     page, MMIO to userspace), interrupt delivery (IPI,
#                     LAPIC timer, MSI, HLT wakeup, IOAPIC) and a nested
#                     Linux boot on /dev/minikvm and /dev/kvm in one 2-CPU
#                     test-VM boot
#   make bench-compare [BASE=<rev>]
#                     exit_bench and mmu_bench on minikvm of revision BASE
#                     (default eeb83bf, before issue 11's host-safety
#                     work), on this tree's and on KVM, in one 1-CPU
#                     test-VM boot with mitigations=off, ratio HEAD/BASE
#   make check-debug  the same selftests in two 1-CPU test VMs booting a
#                     debug kernel (KASAN, lockdep, kmemleak), built once
#   make ci           make check and make check-debug overlapped; one summary
#   make kvm-selftests  Linux's own KVM selftests (built once, cached) on
#                     KVM's /dev/kvm, then on minikvm behind /dev/kvm, in
#                     one 2-CPU test VM: the whole list, make check's and
#                     those too slow for it (kvm-selftests.list, run column)
#   make fuzz         the ioctl fuzzer, 30 minutes of host time per device,
#                     in a 2-CPU test VM (FUZZ_SECONDS=, FUZZ_SEED=)
#   make KDIR=/lib/modules/$(uname -r)/build module
#                     build the module for your own kernel (no deps)
#   make guest-initrd build/guest-initrd.gz, the nested guest's busybox
#                     initramfs, for mkvm run by hand (mkvm_shell=1 on its
#                     command line: a shell on the console)
#   make sparse checkpatch layering symbols testlist docs-check
#                     static checks (also run by make check)
#   make docs         render Documentation/architecture.dot to its .svg
#                     and the pages to HTML in build/docs
#   sudo make KDIR=/lib/modules/$(uname -r)/build install [PREFIX=/usr/local DESTDIR=]
#                     the module, the udev rule and the tools
#   sudo make dkms-install | dkms-remove
#                     the module through DKMS, rebuilt on kernel updates
#
# Nothing is installed while this file is read: make -n and make help
# run no package manager. Packages come only from the deps target.

BUILD := $(CURDIR)/build
TESTVM := tools/testvm

# Without KDIR we build against the Debian cloud kernel the test VM boots:
# deps.sh installs its headers and records its version in build/kver, which
# is read when a recipe runs (after deps), never while this file is parsed.
ifeq ($(origin KDIR),undefined)
  NEED_DEPS := deps
  KVER = $(shell cat $(BUILD)/kver 2>/dev/null)
  KDIR = /usr/src/linux-headers-$(KVER)-cloud-amd64
else
  NEED_DEPS :=
  KVER :=
endif

CC ?= gcc
USER_CFLAGS := -O2 -g -Wall -Wextra -Werror -std=gnu11 -I$(CURDIR)
STATIC := -static

KSFT_SRC := /usr/src/linux-source-6.1.tar.xz

USERSPACE := userspace/mkvm userspace/minikvm-stat
UNIT_TESTS := $(patsubst %.c,%,$(wildcard selftests/unit/*_test.c))
FUZZERS := $(patsubst %.c,%,$(wildcard selftests/unit/*_fuzz.c))

.PHONY: all module userspace selftests run run-linux guest-initrd check check-unit check-debug ci bench clean \
	help deps sparse checkpatch layering symbols testlist docs docs-check install uninstall dkms-add dkms-install \
	dkms-remove fuzz kvm-selftests bench-compare

all: $(NEED_DEPS) module userspace selftests

deps:
	@$(TESTVM)/deps.sh $(BUILD)

module: | $(NEED_DEPS)
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

userspace: $(USERSPACE)

userspace/%: userspace/%.c uapi/minikvm.h | $(NEED_DEPS)
	$(CC) $(USER_CFLAGS) $(STATIC) -o $@ $<

# mkvm is one file per command.
userspace/mkvm: $(wildcard userspace/mkvm*.c) userspace/mkvm.h uapi/minikvm.h vmx/feature_names.h | $(NEED_DEPS)
	$(CC) $(USER_CFLAGS) $(STATIC) -pthread -o $@ $(filter %.c,$^)

# The selftests and benchmarks: selftests/Makefile, kselftest-shaped.
selftests: | $(NEED_DEPS)
	$(MAKE) -C selftests BUILD=$(BUILD)

# "make selftests/api_version_test" still builds one test.
SELFTESTS := $(patsubst %.c,%,$(wildcard selftests/*_test.c))
$(SELFTESTS): selftests/%: FORCE | $(NEED_DEPS)
	$(MAKE) -C selftests BUILD=$(BUILD) $*

FORCE:

# Host-side unit tests of plain C logic: no VM, AddressSanitizer and UBSan.
selftests/unit/%_test: selftests/unit/%_test.c $(wildcard selftests/unit/*.h) $(wildcard vmx/*.h mmu/*.h irq/*.h) | $(NEED_DEPS)
	$(CC) $(USER_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all \
		-Iselftests/unit -o $@ $<

# libFuzzer targets over the same plain C (bounded runs in make check).
selftests/unit/%_fuzz: selftests/unit/%_fuzz.c $(wildcard mmu/*.[ch] vmx/*.h) | $(NEED_DEPS)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I$(CURDIR) -o $@ $<

check-unit: $(UNIT_TESTS) $(FUZZERS)
	@$(TESTVM)/run-unit.sh $(UNIT_TESTS) $(FUZZERS)

VM_ARGS ?=
VM = $(TESTVM)/test-vm.sh --build $(BUILD)

# The VM's console stays in build/vm-run-1cpu/console.log; what it found
# is printed from it when the VM ends.
run: all
	@$(VM) --mode info --name run-1cpu $(VM_ARGS); rc=$$?; \
	$(TESTVM)/show-run.sh $(BUILD)/vm-run-1cpu/console.log && exit $$rc

# The nested guest's initramfs (the test VM builds its own the same way).
guest-initrd:
	@mkdir -p $(BUILD)
	@$(TESTVM)/guest-initrd.sh $(BUILD)/guest-initrd.gz
	@echo "$(BUILD)/guest-initrd.gz: mkvm run --initrd it, --cmdline \"console=ttyS0 mkvm_shell=1\" for a shell"

# The nested Linux boots of mkvm_linux_boot_test with 1 and 2 vCPUs on both
# devices, in a 1-CPU test VM (make check boots 1 vCPU in its 1-CPU VMs and
# 2 in its 2-CPU VM, not both in each: a nested boot under Bochs takes
# minutes). Prints the guests' consoles and the results.
run-linux: all
	@$(VM) --mode check --name run-linux --only "mkvm_linux_boot_test 1800" \
		--env "MKVM_LINUX_SMP=1" --timeout 2400 $(VM_ARGS); rc=$$?; \
	grep -a -E '^(MINIKVM-(BEGIN|END) |# \||(not )?ok |# (mkvm|cpu))' $(BUILD)/vm-run-linux/console.log; \
	awk '/^MINIKVM-END / && $$4 != 0 { bad = 1 } /^MINIKVM-END / { n++ } \
		END { exit bad || n != 2 }' $(BUILD)/vm-run-linux/console.log && exit $$rc

# Unit results, static checks and the VM runs feed one summary. The 1cpu
# tests of tools/testvm/tests.list are split over two 1-CPU VMs (--split),
# the 2cpu ones run in a 2-CPU VM; all three boot side by side.
check: deps all $(UNIT_TESTS) $(FUZZERS)
	@$(TESTVM)/check.sh --build $(BUILD) --units "$(UNIT_TESTS) $(FUZZERS)" \
		--static "sparse checkpatch layering symbols testlist docs-check" --kdir $(KDIR) \
		--kvm-selftests $(VM_ARGS)

# -- static checks -------------------------------------------------------------
# sparse over every object (C=2: even those already built); any line from
# sparse fails the target: kernel headers give none for this module.
sparse: | $(NEED_DEPS)
	@mkdir -p $(BUILD)
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 C=2 modules > $(BUILD)/sparse.log 2>&1 || \
		{ cat $(BUILD)/sparse.log; exit 1; }
	@! grep -E '(warning|error):' $(BUILD)/sparse.log

# checkpatch.pl and its data files come from Debian's linux-source-6.1 at
# build time, never into the repository. It reads .checkpatch.conf (the
# warnings we keep, each with its reason) from the current directory.
CHECKPATCH_DIR := $(BUILD)/checkpatch
CHECKPATCH_SRC := $(shell git ls-files -co --exclude-standard -- \
	'core/*.[ch]' 'vmx/*.[ch]' 'mmu/*.[ch]' 'irq/*.[ch]' 'uapi/*.h' \
	'userspace/*.[ch]' 'selftests/*.[ch]' 'selftests/*/*.[ch]' 2>/dev/null)

$(CHECKPATCH_DIR)/checkpatch.pl:
	@mkdir -p $(CHECKPATCH_DIR)
	tar -xJf $(KSFT_SRC) -C $(CHECKPATCH_DIR) --strip-components=2 \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch

checkpatch: $(CHECKPATCH_DIR)/checkpatch.pl
	perl $(CHECKPATCH_DIR)/checkpatch.pl --no-tree --quiet --file $(CHECKPATCH_SRC)

# core/, mmu/ and irq/ reach VT-x only through core/vendor.h: no VMCS access,
# no vendor vCPU state, no vmx/ header (file:line of each offence).
layering:
	@tools/check-layering.sh $(CURDIR)

# Every global symbol has its layer's prefix and no name of kvm.ko or
# kvm-intel.ko (minikvm and kvm_intel may be loaded together).
symbols: module
	@tools/check-symbols.sh $(CURDIR)/minikvm.ko $(firstword $(wildcard $(BUILD)/guest-$(KVER)/lib/modules/*/kernel/arch/x86/kvm))

# tests.list against the tree: every selftest listed, bounds, settings.
testlist:
	@$(TESTVM)/tests.sh check

# -- documentation -------------------------------------------------------------
# The pages are plain docutils reStructuredText. The one picture is drawn
# from Graphviz source; its SVG is committed so the pages read without
# make docs. Debian's python3 carries python3-docutils (make deps).
DOCS_PY := $(firstword $(wildcard /usr/bin/python3) python3)
KVM_H = $(firstword $(wildcard /usr/src/linux-headers-$(KVER)-common/include/uapi/linux/kvm.h) \
	/usr/include/linux/kvm.h)
DOCS_RST := $(wildcard Documentation/*.rst)

Documentation/%.svg: Documentation/%.dot
	dot -Tsvg -o $@ $<

docs: Documentation/architecture.svg
	@mkdir -p $(BUILD)/docs
	@for f in $(DOCS_RST); do \
		$(DOCS_PY) -m docutils --halt=warning $$f $(BUILD)/docs/$$(basename $$f .rst).html || exit 1; \
	done
	@echo "docs: $(BUILD)/docs/index.html"

# Names in the pages exist, every ioctl and reported capability is in
# ioctl.rst, every exit reason is named, the pages build without warning.
docs-check:
	@$(DOCS_PY) tools/check-docs.py $(CURDIR) $(KVM_H)

# -- installation ----------------------------------------------------------------
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
UDEVRULESDIR ?= /etc/udev/rules.d
INSTALL_MOD_DIR ?= updates
# The release the module was built for, from its vermagic: Debian's header
# packages record the upstream version in include/config/kernel.release.
KRELEASE = $(firstword $(shell modinfo -F vermagic minikvm.ko 2>/dev/null))
MODDIR = $(DESTDIR)/lib/modules/$(KRELEASE)/$(INSTALL_MOD_DIR)

# Plain copies, not kbuild's modules_install: that would try to sign with a
# key only the distribution has (Debian sets CONFIG_MODULE_SIG_ALL).
install: module userspace
	@test -n "$(KRELEASE)" || { echo "install: cannot read the vermagic of minikvm.ko" >&2; exit 1; }
	install -D -m 0644 minikvm.ko $(MODDIR)/minikvm.ko
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(USERSPACE) $(DESTDIR)$(BINDIR)/
	install -D -m 0644 userspace/60-minikvm.rules $(DESTDIR)$(UDEVRULESDIR)/60-minikvm.rules
	if [ -z "$(DESTDIR)" ]; then depmod -a $(KRELEASE); fi

uninstall:
	rm -f $(MODDIR)/minikvm.ko $(DESTDIR)$(UDEVRULESDIR)/60-minikvm.rules
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(USERSPACE)))
	if [ -z "$(DESTDIR)" ] && [ -n "$(KRELEASE)" ]; then depmod -a $(KRELEASE); fi

# DKMS builds from a copy in /usr/src/minikvm-<version>: Kbuild, dkms.conf
# and the module's sources, not this Makefile (kbuild reads Kbuild first).
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRC := /usr/src/minikvm-$(DKMS_VERSION)
DKMS_FILES := Kbuild dkms.conf LICENSE $(wildcard core/*.[ch] vmx/*.[chS] mmu/*.[ch] irq/*.[ch] uapi/*.h)

dkms-add:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp --parents $(DKMS_FILES) $(DKMS_SRC)/
	dkms add -m minikvm -v $(DKMS_VERSION)

# DKMS_KERNEL=<release> for another kernel than the running one.
dkms-install: dkms-add
	dkms install -m minikvm -v $(DKMS_VERSION) $(if $(DKMS_KERNEL),-k $(DKMS_KERNEL))

dkms-remove:
	-dkms remove -m minikvm -v $(DKMS_VERSION) --all
	rm -rf $(DKMS_SRC)

# The ioctl fuzzer (selftests/core_ioctl_fuzz_test.c), FUZZ_SECONDS of
# host wall time on each device in one 2-CPU VM, seeded by FUZZ_SEED;
# fails on a failed test or on any kernel-log splat, taint or rmmod
# failure the VM reports. The guest asks the host for its time over a
# second serial port (test-vm.sh --host-clock); three times as many guest
# seconds are only a ceiling, should the host clock never answer.
FUZZ_SECONDS ?= 1800
FUZZ_SEED ?= 1
fuzz: deps all
	@$(VM) --mode check --cpus 2 --name fuzz --host-clock \
		--only "core_ioctl_fuzz_test $$(( 3 * $(FUZZ_SECONDS) + 600 ))" \
		--env "MINIKVM_FUZZ_HOST_SECONDS=$(FUZZ_SECONDS) MINIKVM_FUZZ_SECONDS=$$(( 3 * $(FUZZ_SECONDS) )) MINIKVM_FUZZ_CALLS=1000000000 MINIKVM_FUZZ_SEED=$(FUZZ_SEED)" \
		--timeout $$(( 2 * $(FUZZ_SECONDS) + 1800 )) $(VM_ARGS)
	@grep -a '^# [0-9]* calls\|^#   \|^# host clock\|^# [0-9]* s of guest\|MINIKVM-END\|MINIKVM-CHECK' $(BUILD)/vm-fuzz/console.log
	@awk '/MINIKVM-(BEGIN|END)/ { print "host second " $$0 }' $(BUILD)/vm-fuzz/timeline
	@awk '{ sub(/\r$$/, "") } /^MINIKVM-END/ && $$4 != 0 { bad = 1 } /^MINIKVM-CHECK/ && $$3 != "ok" { bad = 1 } \
	      /^MINIKVM-DONE/ { done = 1 } END { exit bad || !done }' $(BUILD)/vm-fuzz/console.log

# One boot: exit_bench, mmu_bench, irq_bench and a nested Linux boot on
# /dev/minikvm, then on /dev/kvm; figures side by side. Two CPUs: irq_bench's
# IPIs go between vCPUs on two host CPUs, and its MSIs come from a thread on
# the other one. idle=halt: by default the VM's kernel idles in MWAIT
# with its polling flag set, so a wakeup from the other CPU is a store to
# the monitored line, not an IPI, and in Bochs the idle CPU mostly slept
# on until its next timer interrupt; that, on both devices, decided
# irq_bench's HLT row (Documentation/testing.rst).
bench: all
	@$(VM) --mode bench --cpus 2 --name bench-2cpu --cmdline-extra idle=halt $(VM_ARGS)
	@$(TESTVM)/bench-summary.sh $(BUILD)/vm-bench-2cpu/console.log

# minikvm.ko of revision BASE, built against the same kernel headers as
# this tree's, beside this tree's and KVM, in one boot: make bench's
# figures differed by 20-30% between its boots, so a before/after
# comparison takes one boot.
# tools/testvm/bench-compare.sh; BASE defaults to main before issue 11.
BASE ?= eeb83bf
bench-compare: all
	@$(TESTVM)/bench-compare.sh --build $(BUILD) --kdir $(KDIR) --base $(BASE) $(VM_ARGS)

# Linux's KVM selftests from linux-source-6.1, built once into
# /var/cache/minikvm (tools/testvm/kvm-selftests.sh), run as
# tools/testvm/kvm-selftests.list says: all of the list, where make check
# runs those of its run column "check" as a gate. A report, not a gate: it
# fails only when the VM does not finish.
kvm-selftests: deps module userspace
	@$(TESTVM)/kvm-selftests-run.sh --build $(BUILD) $(VM_ARGS)

# The debug kernel is built from linux-source-6.1 once and kept in
# /var/cache/minikvm (tools/testvm/debug-kernel.sh); minikvm.ko for it is
# built from a copy of the sources in build/debug-module, so the cloud
# kernel's minikvm.ko next to the sources stays as make check built it.
check-debug: deps userspace selftests
	@$(TESTVM)/check-debug.sh --build $(BUILD) $(VM_ARGS)

# What CI runs: make all once, then make check and make check-debug at the
# same time, then one "N passed, N failed, N skipped" over the two.
ci: deps
	@$(TESTVM)/ci.sh

clean:
	-$(MAKE) -C $(or $(wildcard $(KDIR)),/lib/modules/$(shell uname -r)/build) M=$(CURDIR) clean 2>/dev/null
	$(MAKE) -C selftests clean
	rm -f $(USERSPACE) $(UNIT_TESTS) $(FUZZERS)
	rm -rf $(BUILD)/vm-* $(BUILD)/debug-module

help:
	@sed -n '3,/^# Nothing is installed/p' Makefile | sed '$$d'
