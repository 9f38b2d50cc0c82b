# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# The mutation check: every mutant in tests/mutants/ (a realistic bug as a
# diff) must make a named test fail.  .ci/run runs it after `make check`;
# it is not part of `make check` (several minutes).
#
#   make mutation-check [MUTANTS="tests/mutants/NN-x.diff ..."]
#                       [MUTATION_JOBS=2] [MUTATION_TIMEOUT=240]
#
# Scratch copies go to $(BUILD)/mutation/; tests/mutants/README says how
# to write a mutant and what to do when one no longer applies.
MUTATION_JOBS    ?= 2
MUTATION_TIMEOUT ?= 240
MUTANTS          ?=

.PHONY: mutation-check
mutation-check:
	@MAKE="$(MAKE)" MUTATION_WORK="$(abspath $(BUILD))/mutation" \
		bash tests/mutation/run.sh -j $(MUTATION_JOBS) -t $(MUTATION_TIMEOUT) $(MUTANTS)
