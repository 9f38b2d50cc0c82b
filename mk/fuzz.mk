# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# libFuzzer targets.
#
#   make fuzz        build every tests/fuzz/fuzz_NAME.c and run each for
#                    FUZZ_SECONDS (default 60), starting from a scratch copy
#                    of tests/fuzz/corpus/NAME/; fails on any crash
#   make check-fuzz  replay tests/fuzz/regressions/NAME/* through fuzz_NAME,
#                    then the same as `make fuzz`
#
# Every target links all of lib/ compiled again with clang and the
# sanitizers: libFuzzer's coverage needs clang, and gcc objects carry none.
# A crash leaves its input in $(BUILD)/fuzz/artifacts/NAME/; once the bug
# is fixed, that file belongs in tests/fuzz/regressions/NAME/.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_ARGS    ?= -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
FUZZ_CFLAGS  := -g -O1 $(WARN) $(FUZZ_SAN)

FUZZ_SRCS     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES    := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
FUZZ_BINS     := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_OBJDIR   := $(BUILD)/fuzz/obj
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_OBJDIR)/%.o) \
                 $(LIB_ASMS:%.S=$(FUZZ_OBJDIR)/%.o)
FUZZ_REG_DIRS := $(sort $(patsubst %/,%,$(dir $(wildcard tests/fuzz/regressions/*/*))))

.PHONY: fuzz check-fuzz fuzz-regressions fuzz-build fuzz-need-clang
CHECK_TARGETS += check-fuzz

# Fail early and say why, rather than with a compiler or linker error:
# libFuzzer is in clang's runtime package, not in clang itself.
fuzz-need-clang:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { \
		echo "fuzz: '$(FUZZ_CC)' not found; install clang and" \
		     "libclang-rt-14-dev (make deps)" >&2; exit 1; }
	@mkdir -p $(BUILD)/fuzz
	@printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' \
		> $(BUILD)/fuzz/probe.c
	@$(FUZZ_CC) -fsanitize=fuzzer -o $(BUILD)/fuzz/probe $(BUILD)/fuzz/probe.c \
		>/dev/null 2>&1 || { \
		echo "fuzz: '$(FUZZ_CC)' cannot link -fsanitize=fuzzer; install" \
		     "libclang-rt-14-dev (make deps)" >&2; exit 1; }

# Library objects: instrumented for coverage, but without libFuzzer's main.
$(FUZZ_OBJDIR)/%.o: %.c | fuzz-need-clang
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
		-MMD -MP -c -o $@ $<

$(FUZZ_OBJDIR)/%.o: %.S | fuzz-need-clang
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS) | fuzz-need-clang
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -Itests $(FUZZ_CFLAGS) -fsanitize=fuzzer \
		-MMD -MP -o $@ $< $(FUZZ_LIB_OBJS) -ljson-c

# Named here, not only in the pattern rule, so make keeps the objects.
$(FUZZ_BINS): $(FUZZ_LIB_OBJS)

fuzz-build: $(FUZZ_BINS)

# The corpus is copied, so that a run adds its finds under $(BUILD) and
# never to the tree; the scratch copy is kept, so later runs start richer.
# Every target runs even when an earlier one fails; the failures are listed.
fuzz: $(FUZZ_BINS)
	@failed=; for n in $(FUZZ_NAMES); do \
		corpus=$(BUILD)/fuzz/corpus/$$n; \
		art=$(BUILD)/fuzz/artifacts/$$n; \
		mkdir -p $$corpus $$art || exit 1; \
		if [ -d tests/fuzz/corpus/$$n ]; then \
			cp -R tests/fuzz/corpus/$$n/. $$corpus/ || exit 1; \
		fi; \
		log=$(BUILD)/fuzz/fuzz_$$n.log; \
		echo "== fuzz_$$n for $(FUZZ_SECONDS)s (log: $$log)"; \
		if $(BUILD)/fuzz/fuzz_$$n $(FUZZ_ARGS) \
			-max_total_time=$(FUZZ_SECONDS) \
			-artifact_prefix=$$art/ $$corpus >$$log 2>&1; then \
			grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done ' $$log; \
		else \
			tail -n 40 $$log >&2; \
			echo "fuzz: fuzz_$$n failed; input saved in $$art/" >&2; \
			failed="$$failed fuzz_$$n"; \
		fi; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "fuzz: failed:$$failed" >&2; exit 1; \
	fi

# Each file under regressions/NAME/ once crashed fuzz_NAME; all must pass.
fuzz-regressions: $(FUZZ_BINS)
	@set -e; for d in $(FUZZ_REG_DIRS); do \
		n=$$(basename $$d); \
		if [ ! -x $(BUILD)/fuzz/fuzz_$$n ]; then \
			echo "fuzz: $$d has no target tests/fuzz/fuzz_$$n.c" >&2; \
			exit 1; \
		fi; \
		echo "== fuzz_$$n regressions: $$(ls $$d | wc -l) inputs"; \
		$(BUILD)/fuzz/fuzz_$$n $$d/* >$(BUILD)/fuzz/regressions-$$n.log 2>&1 || { \
			cat $(BUILD)/fuzz/regressions-$$n.log >&2; \
			echo "fuzz: a regression input of fuzz_$$n fails again" >&2; \
			exit 1; }; \
	done

check-fuzz: fuzz-regressions
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)
