# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# ptimerctl's unit and integration test binaries, staged for the guests of
# "make vm-check" (kernel-patch/README.md): a gen_init_cpio list of the
# binaries, helpers, fixtures and the shared libraries they need.
.PHONY: kernel-suite-stage
kernel-suite-stage: $(BIN) $(UNIT_BINS) $(INTEG_BINS) $(HELPER_BINS)
	kernel-patch/scripts/stage-suite.sh $(abspath $(BUILD)) $(abspath .) \
		$(abspath kernel-patch/build/suite.list)
