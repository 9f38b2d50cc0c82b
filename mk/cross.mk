# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# A cross build's test binaries (make CROSS_COMPILE=aarch64-linux-gnu-):
# Criterion for the target, unpacked from Debian's packages into $(BUILD)
# rather than installed, because libcriterion3:arm64 cannot be installed
# beside the native libcriterion-dev (the two libnanomsg5 builds differ).
ifneq ($(CROSS_COMPILE),)
DEB_ARCH_aarch64 := arm64
CROSS_DEB_ARCH := $(DEB_ARCH_$(ARCH))
CRITERION_DIR := $(BUILD)/criterion
CRITERION_PKGS := libcriterion3 libcriterion-dev libnanomsg5
CRITERION_LIBDIR := $(CRITERION_DIR)/usr/lib/$(CROSS_TRIPLET)
# Criterion's own dependencies (libffi, libgit2, ...) are not installed for
# the target here; the guests' root has them (kernel-patch/scripts/
# arm64-root.sh), so the link leaves their symbols to the loader there.
CRITERION_LIBS := -I$(CRITERION_DIR)/usr/include -L$(CRITERION_LIBDIR) \
		  -Wl,-rpath-link,$(CRITERION_LIBDIR) -Wl,--allow-shlib-undefined -lcriterion

$(CRITERION_DIR)/.unpacked:
	@[ -n "$(CROSS_DEB_ARCH)" ] || { echo "no Debian architecture for $(ARCH)" >&2; exit 1; }
	rm -rf $(CRITERION_DIR) && mkdir -p $(CRITERION_DIR)/debs
	cd $(CRITERION_DIR)/debs && apt-get download -q \
		$(CRITERION_PKGS:%=%:$(CROSS_DEB_ARCH)) >/dev/null
	for d in $(CRITERION_DIR)/debs/*.deb; do dpkg -x $$d $(CRITERION_DIR) || exit 1; done
	@touch $@

$(UNIT_BINS) $(INTEG_BINS): | $(CRITERION_DIR)/.unpacked
endif
