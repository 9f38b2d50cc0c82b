# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# Benchmarks (issue 5).
#
#   make bench              build tests/bench/bench and run the full bench:
#                           every figure 5 times, a table on stdout and the
#                           numbers in $(BENCH_JSON); a few minutes
#   make check-bench-smoke  small sizes, two runs: checks that every figure
#                           is produced and non-zero; times nothing as
#                           pass or fail
#
# BENCH_ARGS adds options (--runs N, --only TEXT).  Needs root, or at least
# ptrace rights over the bench's own children.

BENCH_SRCS := $(sort $(wildcard tests/bench/*.c))
BENCH_BIN  := $(BUILD)/tests/bench/bench
BENCH_JSON ?= $(BUILD)/bench.json
BENCH_ARGS ?=
BENCH_ENV  := PTIMERCTL=$(abspath $(BIN)) BENCH_JSON=$(abspath $(BENCH_JSON))

.PHONY: bench check-bench-smoke
CHECK_TARGETS += check-bench-smoke

$(BENCH_BIN): $(BENCH_SRCS) tests/bench/bench.h $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $(BENCH_SRCS) $(LIBA) -ljson-c -lpthread -lm

bench: $(BENCH_BIN) $(BIN)
	$(BENCH_ENV) $(BENCH_BIN) $(BENCH_ARGS)

check-bench-smoke: $(BENCH_BIN) $(BIN)
	$(BENCH_ENV) BENCH_JSON=$(abspath $(BUILD)/bench-smoke.json) \
		$(BENCH_BIN) --smoke $(BENCH_ARGS)
