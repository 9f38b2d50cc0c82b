# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# valgrind memcheck over the CLI; .ci/run runs it after `make check`.
.PHONY: check-valgrind
check-valgrind: $(BIN) $(HELPER_BINS)
	$(TEST_ENV) bash tests/memcheck/check-valgrind.sh
