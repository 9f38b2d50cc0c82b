# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# ptimerctl: plain GNU make, no autotools.  `make help` lists the targets.

VERSION    := $(shell cat VERSION)
# A cross build names its tools' prefix: make CROSS_COMPILE=aarch64-linux-gnu-
# Without that gcc (Debian's conflicts with gcc-multilib, which the
# kernel-patch tests need) clang cross-compiles for the same triplet.
CROSS_COMPILE ?=
CROSS_TRIPLET := $(CROSS_COMPILE:%-=%)
ifeq ($(origin CC),default)
ifeq ($(CROSS_COMPILE),)
CC := gcc
else ifneq ($(shell command -v $(CROSS_COMPILE)gcc),)
CC := $(CROSS_COMPILE)gcc
else
CC := clang --target=$(CROSS_TRIPLET)
endif
endif
ifeq ($(origin AR),default)
AR := $(CROSS_COMPILE)ar
endif
# The architecture follows the compiler (x86_64-linux-gnu -> x86_64), so
# that a cross compiler builds the right lib/arch/ARCH.
ARCH       ?= $(firstword $(subst -, ,$(shell $(CC) -dumpmachine 2>/dev/null)))
ARCHES     := $(notdir $(wildcard lib/arch/*))
ifeq ($(filter $(ARCHES),$(ARCH)),)
ifneq ($(filter-out deps help clean,$(or $(MAKECMDGOALS),all)),)
$(error ARCH '$(ARCH)' is not supported (lib/arch/ has $(ARCHES); ARCH follows $(CC) -dumpmachine))
endif
endif
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
DESTDIR    ?=

SONAME_MAJOR := 1
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build-san
else ifneq ($(CROSS_COMPILE),)
BUILD ?= build-$(ARCH)
else
BUILD ?= build
endif

CC       ?= gcc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-unused-parameter
# Warnings are errors for CI and developers (WERROR=1; .ci/run sets it),
# never by default: a newer compiler's new warning must not break a
# distribution's build.
WERROR   ?= 0
ifeq ($(WERROR),1)
WARN     += -Werror
endif
CPPFLAGS += -D_GNU_SOURCE -Iinclude -Ilib -Ilib/arch/$(ARCH) \
            -DPTIMER_VERSION='"$(VERSION)"' -DPTIMER_ARCH='"$(ARCH)"'
PIC      := -fPIC
ifeq ($(SANITIZE),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SANFLAGS) $(PIC)
LDLIBS_LIB := -ljson-c
LDLIBS_CMD := -ljson-c -lcap -lsmartcols

LIB_SRCS := $(sort $(wildcard lib/*.c) $(wildcard lib/arch/$(ARCH)/*.c))
LIB_ASMS := $(sort $(wildcard lib/arch/$(ARCH)/*.S))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(LIB_ASMS:%.S=$(BUILD)/%.o)
CMD_SRCS := $(sort $(wildcard cmd/*.c))
CMD_OBJS := $(CMD_SRCS:%.c=$(BUILD)/%.o)

LIBA  := $(BUILD)/libptimer.a
LIBSO := $(BUILD)/libptimer.so.$(VERSION)
BIN   := $(BUILD)/ptimerctl

UNIT_SRCS   := $(sort $(wildcard tests/unit/*.c))
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
INTEG_SRCS  := $(sort $(wildcard tests/integration/test_*.c))
INTEG_BINS  := $(INTEG_SRCS:tests/integration/%.c=$(BUILD)/tests/integration/%)
# Linked into every test binary: the time scale and its Criterion hook
TEST_COMMON := tests/time_scale.c
INTEG_COMMON := $(sort $(filter-out $(INTEG_SRCS),$(wildcard tests/integration/*.c)))
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
# Helpers of one architecture (its registers): tests/helpers/$(ARCH)/
ARCH_HELPER_SRCS := $(sort $(wildcard tests/helpers/$(ARCH)/*.c))
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/helpers/%) \
               $(ARCH_HELPER_SRCS:tests/helpers/$(ARCH)/%.c=$(BUILD)/tests/helpers/%)

DEB_DEPS := gcc g++ make pkg-config cpio libjson-c-dev libcap-dev libsmartcols-dev libcriterion-dev \
            mandoc rpm rpmlint dpkg-dev clang libclang-rt-14-dev valgrind jq abigail-tools reuse
# A cross build needs a cross compiler (clang: Debian's gcc-aarch64-linux-gnu
# conflicts with gcc-multilib), the target's libraries (a Debian foreign
# architecture) and QEMU to run them in (mk/vm-arm64.mk).  Criterion's
# arm64 package cannot be installed beside the native one (their
# libnanomsg5 builds differ), so mk/cross.mk unpacks it into $(BUILD).
DEB_FOREIGN :=
CRITERION_LIBS := -lcriterion
ifeq ($(CROSS_COMPILE),aarch64-linux-gnu-)
DEB_FOREIGN := arm64
DEB_DEPS += clang binutils-aarch64-linux-gnu libc6-dev:arm64 libgcc-12-dev:arm64 libjson-c-dev:arm64 \
            libcap-dev:arm64 libsmartcols-dev:arm64 qemu-system-arm
endif

.PHONY: all deps demo check check-unit check-integration help clean static \
        install uninstall
all: $(BIN) $(LIBA) $(LIBSO) $(HELPER_BINS)

help:
	@echo 'make             build ptimerctl, libptimer and the test helpers'
	@echo 'make demo        dump, show and restore the timers of a real process'
	@echo 'make check       run every test (installs missing packages when root)'
	@echo 'make SANITIZE=1  build with ASan+UBSan into build-san/'
	@echo 'make install     install (PREFIX, DESTDIR honoured)'
	@echo 'make rpm, deb    binary packages under $(BUILD)/rpm and $(BUILD)/deb'
	@echo 'make WERROR=1    warnings are errors (CI and developers)'
	@echo 'make CROSS_COMPILE=aarch64-linux-gnu- all tests'
	@echo '                 cross-build for aarch64 into build-aarch64/'
	@echo 'make vm-check-arm64  prove the aarch64 port in arm64 QEMU guests'

# Install what the build needs.  As root this runs apt-get; otherwise it
# prints the command, because a build must not ask for a password.  A
# package counts for this machine's architecture only: a foreign one
# (libcriterion-dev:arm64 on amd64) does not link.
deps:
	@arch=$$(dpkg --print-architecture); \
	missing=$$(for p in $(DEB_DEPS); do \
		dpkg-query -W -f='$${Status} $${Architecture}\n' $$p 2>/dev/null | \
		grep -Eq "ok installed ($$arch|all)$$" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:" $$missing; \
			for a in $(DEB_FOREIGN); do dpkg --add-architecture $$a || exit 1; done; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq $$missing >/dev/null || exit 1; \
		else \
			echo "missing packages; run:" \
				$(foreach a,$(DEB_FOREIGN),"sudo dpkg --add-architecture $(a);") \
				"sudo apt-get update; sudo apt-get install" $$missing >&2; exit 1; \
		fi; \
	fi

# PTIMER_VERSION is compiled in: a new VERSION rebuilds everything.
$(BUILD)/%.o: %.c VERSION
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(SANFLAGS) $(PIC) -MMD -MP -c -o $@ $<

$(LIBA): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIBSO): $(LIB_OBJS) lib/libptimer.sym
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -shared -Wl,-soname,libptimer.so.$(SONAME_MAJOR) \
		-Wl,--version-script=lib/libptimer.sym -o $@ $(LIB_OBJS) $(LDLIBS_LIB)
	ln -sf libptimer.so.$(VERSION) $(BUILD)/libptimer.so.$(SONAME_MAJOR)
	ln -sf libptimer.so.$(SONAME_MAJOR) $(BUILD)/libptimer.so

$(BIN): $(CMD_OBJS) $(LIBA)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(CMD_OBJS) $(LIBA) $(LDLIBS_CMD)

$(BUILD)/tests/helpers/%: tests/helpers/%.c $(wildcard tests/helpers/*.h tests/helpers/$(ARCH)/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/helpers/$(ARCH) $(ALL_CFLAGS) -o $@ $(filter %.c %.S,$^) -lpthread -lrt

# Victims with a part in each architecture's assembly
$(BUILD)/tests/helpers/stackmark: tests/helpers/$(ARCH)/stack_wait.S

$(BUILD)/tests/helpers/%: tests/helpers/$(ARCH)/%.c $(wildcard tests/helpers/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< -lpthread -lrt

$(BUILD)/tests/unit/%: tests/unit/%.c $(TEST_COMMON) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests $(ALL_CFLAGS) -o $@ $< $(TEST_COMMON) $(LIBA) \
		$(CRITERION_LIBS) -ljson-c

$(BUILD)/tests/integration/%: tests/integration/%.c $(TEST_COMMON) $(INTEG_COMMON) $(LIBA) \
		$(BIN) $(HELPER_BINS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests $(ALL_CFLAGS) -o $@ $< $(TEST_COMMON) $(INTEG_COMMON) $(LIBA) \
		$(CRITERION_LIBS) -ljson-c -lpthread

# A fully static ptimerctl and victim, for the kernel-patch VM initramfs.
# Debian has no static libsmartcols: cmd/static/scols_min.c stands in.
STATIC_DIR := $(BUILD)/static
static: $(LIB_OBJS) $(CMD_OBJS) $(BUILD)/cmd/static/scols_min.o
	@mkdir -p $(STATIC_DIR)
	$(CC) $(ALL_CFLAGS) -static -o $(STATIC_DIR)/ptimerctl $(CMD_OBJS) \
		$(BUILD)/cmd/static/scols_min.o $(LIB_OBJS) $(filter-out -lsmartcols,$(LDLIBS_CMD))
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -static -o $(STATIC_DIR)/victim tests/helpers/victim.c -lpthread -lrt

TEST_ENV := PTIMERCTL=$(abspath $(BIN)) PTIMER_HELPERS=$(abspath $(BUILD)/tests/helpers) \
            PTIMER_FIXTURES=$(abspath tests/fixtures) PTIMER_SRC=$(abspath .)
CRITERION_FLAGS ?= --jobs=1

# Every test binary runs, even after a failure; the failures are listed last.
run_tests = failed=; for t in $(1); do echo "== $$t"; \
	$(TEST_ENV) $$t $(CRITERION_FLAGS) || failed="$$failed $$t"; done; \
	if [ -n "$$failed" ]; then echo "failed:$$failed" >&2; exit 1; fi

check-unit: $(UNIT_BINS)
	@$(call run_tests,$(UNIT_BINS))

check-integration: $(INTEG_BINS) $(HELPER_BINS) $(BIN)
	@$(call run_tests,$(INTEG_BINS))

# Each mk/*.mk fragment appends its own checks to CHECK_TARGETS.
CHECK_TARGETS := check-unit check-integration
include $(sort $(wildcard mk/*.mk))

check: deps
	$(MAKE) all
	@set -e; for t in $(CHECK_TARGETS); do echo "==== $$t"; $(MAKE) $$t; done

demo: deps
	$(MAKE) all
	@PTIMERCTL=$(abspath $(BIN)) HELPERS=$(abspath $(BUILD)/tests/helpers) bash tests/demo.sh

clean:
	rm -rf build build-san $(ARCHES:%=build-%)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
