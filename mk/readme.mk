# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# The README's commands, run against real processes.
.PHONY: check-readme
check-readme: $(BIN) $(HELPER_BINS)
	$(TEST_ENV) bash tests/packaging/check-readme.sh

CHECK_TARGETS += check-readme
