# SPDX-License-Identifier: GPL-2.0
#
# minikvm top-level Makefile. The module itself is described in Kbuild;
# this file drives kbuild, the userspace programs, the selftests and the
# nested test VM.
#
#   make              module + userspace + selftests (installs deps first)
#   make run          boot the test VM, load minikvm, show the VMX probe
#   make check        unit tests, then every selftest on both devices in
#                     the test VM, with 1 and 2 CPUs
#   make KDIR=/lib/modules/$(uname -r)/build module
#                     build the module for your own kernel

BUILD := $(CURDIR)/build
DEPS := $(CURDIR)/selftests/vm/deps.sh

# Without KDIR we build against the Debian cloud kernel the test VM boots;
# deps.sh installs it and records its version on first use.
ifeq ($(origin KDIR),undefined)
  ifneq ($(filter-out clean help,$(or $(MAKECMDGOALS),all)),)
    KVER := $(shell $(DEPS) $(BUILD) >&2 && cat $(BUILD)/kver)
    ifeq ($(KVER),)
      $(error selftests/vm/deps.sh failed: cannot install build dependencies)
    endif
  endif
  KDIR := /usr/src/linux-headers-$(KVER)-cloud-amd64
  GUEST_KERNEL_ONLY :=
else
  KVER :=
endif

CC ?= gcc
USER_CFLAGS := -O2 -g -Wall -Wextra -Werror -std=gnu11 -I$(CURDIR)
STATIC := -static

KSFT_SRC := /usr/src/linux-source-6.1.tar.xz
KSFT_DIR := $(BUILD)/kselftest

SELFTESTS := $(patsubst %.c,%,$(wildcard selftests/*_test.c))
SELFTEST_LIB := $(wildcard selftests/lib/*.c)
SELFTEST_HDR := $(wildcard selftests/include/*.h) uapi/minikvm.h
USERSPACE := userspace/mkvm userspace/minikvm-stat
UNIT_TESTS := $(patsubst %.c,%,$(wildcard selftests/unit/*_test.c))

.PHONY: all module userspace selftests run check check-unit check-vm clean help deps

all: module userspace selftests

deps:
	@$(DEPS) $(BUILD)

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

userspace: $(USERSPACE)

userspace/%: userspace/%.c uapi/minikvm.h
	$(CC) $(USER_CFLAGS) $(STATIC) -o $@ $<

# The kselftest harness comes from Debian's linux-source-6.1, extracted at
# build time (two headers, a few seconds) and never kept in the repository.
$(KSFT_DIR)/kselftest_harness.h:
	@mkdir -p $(KSFT_DIR)
	tar -xJf $(KSFT_SRC) -C $(KSFT_DIR) --strip-components=4 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h

selftests: $(SELFTESTS)

selftests/%_test: selftests/%_test.c $(SELFTEST_LIB) $(SELFTEST_HDR) $(KSFT_DIR)/kselftest_harness.h
	$(CC) $(USER_CFLAGS) -Wno-unused-parameter -Wno-sign-compare -I$(KSFT_DIR) -Iselftests/include $(STATIC) \
		-o $@ $< $(SELFTEST_LIB)

# Host-side unit tests of plain C logic: no VM, AddressSanitizer and UBSan.
selftests/unit/%_test: selftests/unit/%_test.c $(wildcard selftests/unit/*.h) $(wildcard vmx/*.h mmu/*.h irq/*.h)
	$(CC) $(USER_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all \
		-Iselftests/unit -o $@ $<

check-unit: $(UNIT_TESTS)
	@selftests/vm/run-unit.sh $(UNIT_TESTS)

VM_ARGS ?=
VM := selftests/vm/test-vm.sh --build $(BUILD) --kver $(KVER)

run: all
	@$(VM) --mode info $(VM_ARGS)

# Unit results and both VM runs feed one summary; the 1-CPU run carries the
# whole suite, the 2-CPU run the tests marked smp in selftests/vm/tests.list.
check: all $(UNIT_TESTS)
	@selftests/vm/check.sh --build $(BUILD) --kver $(KVER) --units "$(UNIT_TESTS)" $(VM_ARGS)

clean:
	-$(MAKE) -C $(or $(wildcard $(KDIR)),/lib/modules/$(shell uname -r)/build) M=$(CURDIR) clean 2>/dev/null
	rm -f $(USERSPACE) $(SELFTESTS) $(UNIT_TESTS)
	rm -rf $(BUILD)/vm-*

help:
	@sed -n '3,14p' Makefile
