# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# Licensing of every file, checked with reuse(1) (Debian: reuse).
#
#   make check-reuse   every tracked file has an SPDX licence and copyright,
#                      in the file or in .reuse/dep5, and every licence used
#                      has its text in LICENSES/
#
# A new source file starts with its two SPDX lines (LGPL-2.1-or-later in
# lib/ and include/, GPL-2.0-or-later elsewhere; see LICENSE); a file that
# cannot carry a comment gets a stanza in .reuse/dep5.

REUSE ?= reuse

.PHONY: check-reuse
CHECK_TARGETS += check-reuse

check-reuse:
	@mkdir -p $(BUILD)
	@command -v $(REUSE) >/dev/null || \
		{ echo "check-reuse: $(REUSE) not found (Debian: reuse)" >&2; exit 1; }
	@$(REUSE) lint > $(BUILD)/reuse-lint.txt 2>&1 || \
		{ cat $(BUILD)/reuse-lint.txt; exit 1; }
	@tail -n 1 $(BUILD)/reuse-lint.txt
