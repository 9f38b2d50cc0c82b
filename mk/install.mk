# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# Installation, source tarball, RPM, and the packaging checks.
#
#   make install   [DESTDIR=] [PREFIX=/usr/local] [BINDIR=] [LIBDIR=] ...
#   make uninstall  removes exactly what `make install` installs
#   make dist       $(BUILD)/ptimerctl-$(VERSION).tar.gz from the tracked files
#   make rpm        binary RPMs under $(BUILD)/rpm/RPMS, built from that tarball
#   make deb        binary .debs under $(BUILD)/deb, from the install tree (mk/deb.sh)
#
# The list of installed files lives in one place, INSTALL_FILES and
# INSTALL_LINKS below; install, uninstall and nothing else read it.

INSTALL ?= install
RPMBUILD ?= rpmbuild

MAN_PAGES := $(sort $(wildcard man/*.[1-8]))
PC_FILE   := $(BUILD)/libptimer.pc
DOC_FILES := $(wildcard README.md)

# man/NAME.N -> $(MANDIR)/manN/NAME.N
man_dest = $(MANDIR)/man$(patsubst .%,%,$(suffix $(1)))/$(notdir $(1))

# Each entry is MODE:SOURCE:DESTINATION (no DESTDIR, no spaces).
INSTALL_FILES := \
	755:$(BIN):$(BINDIR)/ptimerctl \
	755:$(LIBSO):$(LIBDIR)/libptimer.so.$(VERSION) \
	644:$(LIBA):$(LIBDIR)/libptimer.a \
	644:include/ptimer.h:$(INCLUDEDIR)/ptimer.h \
	644:$(PC_FILE):$(LIBDIR)/pkgconfig/libptimer.pc \
	644:completion/ptimerctl.bash:$(DATADIR)/bash-completion/completions/ptimerctl \
	$(foreach m,$(MAN_PAGES),644:$(m):$(call man_dest,$(m))) \
	$(foreach d,$(DOC_FILES),644:$(d):$(DATADIR)/doc/ptimerctl/$(notdir $(d)))

# Each entry is LINK:TARGET; the target is relative to the link's directory.
INSTALL_LINKS := \
	$(LIBDIR)/libptimer.so.$(SONAME_MAJOR):libptimer.so.$(VERSION) \
	$(LIBDIR)/libptimer.so:libptimer.so.$(SONAME_MAJOR)

ifile_mode = $(word 1,$(subst :, ,$(1)))
ifile_src  = $(word 2,$(subst :, ,$(1)))
ifile_dest = $(word 3,$(subst :, ,$(1)))
ilink_path = $(word 1,$(subst :, ,$(1)))
ilink_dest = $(word 2,$(subst :, ,$(1)))

INSTALLED_PATHS := $(foreach f,$(INSTALL_FILES),$(call ifile_dest,$(f))) \
		   $(foreach l,$(INSTALL_LINKS),$(call ilink_path,$(l)))

# Regenerated on every run: its contents follow PREFIX/LIBDIR/INCLUDEDIR,
# which change between invocations without any file changing.
$(PC_FILE): lib/libptimer.pc.in VERSION FORCE
	@mkdir -p $(dir $@)
	@sed -e 's|@prefix@|$(PREFIX)|g' \
	     -e 's|@libdir@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|g' \
	     -e 's|@includedir@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|g' \
	     -e 's|@VERSION@|$(VERSION)|g' \
	     -e '/^# Generated/d' -e '/^# SPDX/d' $< > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

.PHONY: FORCE
FORCE:

install: $(BIN) $(LIBA) $(LIBSO) $(PC_FILE)
	$(foreach f,$(INSTALL_FILES),$(INSTALL) -D -m $(call ifile_mode,$(f)) \
		$(call ifile_src,$(f)) $(DESTDIR)$(call ifile_dest,$(f))$(newline))
	$(foreach l,$(INSTALL_LINKS),ln -sfn $(call ilink_dest,$(l)) \
		$(DESTDIR)$(call ilink_path,$(l))$(newline))

# Directories are shared with other packages; only our own doc directory goes.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED_PATHS))
	@if [ -d $(DESTDIR)$(DATADIR)/doc/ptimerctl ]; then \
		rmdir --ignore-fail-on-non-empty $(DESTDIR)$(DATADIR)/doc/ptimerctl; fi

define newline


endef

# ---- source tarball -------------------------------------------------------
# The tracked files as they are in the work tree (uncommitted edits included,
# untracked files not), under ptimerctl-$(VERSION)/, plus the spec with its
# version filled in, so `rpmbuild -tb` works on the tarball alone.  The
# owner, order and timestamps are fixed, so the same tree gives the same bytes.
DIST_NAME    := ptimerctl-$(VERSION)
DIST_TARBALL := $(BUILD)/$(DIST_NAME).tar.gz
DIST_STAGE   := $(BUILD)/dist
# RPM forbids '-' in Version: 0.2.0-rc1 becomes 0.2.0~rc1 (sorts before 0.2.0).
RPM_VERSION  := $(subst -,~,$(VERSION))
SPEC_OUT     := $(BUILD)/ptimerctl.spec

$(SPEC_OUT): ptimerctl.spec VERSION FORCE
	@mkdir -p $(dir $@)
	@sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@RPM_VERSION@|$(RPM_VERSION)|g' $< > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

dist: $(SPEC_OUT)
	@command -v git >/dev/null && git rev-parse --is-inside-work-tree >/dev/null 2>&1 || \
		{ echo 'make dist needs a git work tree' >&2; exit 1; }
	@rm -rf $(DIST_STAGE) && mkdir -p $(DIST_STAGE)/$(DIST_NAME)
	@git ls-files -z --cached | xargs -0 -r sh -c \
		'for f; do [ -e "$$f" ] || [ -L "$$f" ] && printf "%s\0" "$$f"; done; true' sh \
		> $(DIST_STAGE)/files
	@tar -C . --null -T $(DIST_STAGE)/files -cf - | tar -C $(DIST_STAGE)/$(DIST_NAME) -xf -
	@cp $(SPEC_OUT) $(DIST_STAGE)/$(DIST_NAME)/ptimerctl.spec
	@mtime=$$(git log -1 --format=%ct 2>/dev/null || echo 0); \
	tar -C $(DIST_STAGE) --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime=@$$mtime --format=gnu -cf - $(DIST_NAME) | gzip -n -9 > $(DIST_TARBALL).tmp
	@mv -f $(DIST_TARBALL).tmp $(DIST_TARBALL)
	@rm -rf $(DIST_STAGE)
	@echo "wrote $(DIST_TARBALL)"

# ---- RPM ------------------------------------------------------------------
# A private _topdir under the build directory.  --nodeps: the BuildRequires
# name RPM packages, which a Debian host does not have as RPM provides.  The
# environment of this make is dropped so the inner build starts clean.
RPM_TOPDIR := $(abspath $(BUILD))/rpm
RPMBUILD_FLAGS ?=

rpm: dist
	@rm -rf $(RPM_TOPDIR) && mkdir -p $(RPM_TOPDIR)/SOURCES $(RPM_TOPDIR)/tmp
	@cp $(DIST_TARBALL) $(RPM_TOPDIR)/SOURCES/
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u BUILD \
		-u PREFIX -u DESTDIR -u CFLAGS -u LDFLAGS -u WERROR \
	$(RPMBUILD) -bb --nodeps \
		--define "_topdir $(RPM_TOPDIR)" \
		--define "_tmppath $(RPM_TOPDIR)/tmp" \
		$(RPMBUILD_FLAGS) $(SPEC_OUT)
	@find $(RPM_TOPDIR)/RPMS -name '*.rpm' -printf 'wrote %p\n'

# ---- Debian packages --------------------------------------------------------
# From the tree `make install` writes, with dpkg-deb: mk/deb.sh says how.
DEB_DIR := $(abspath $(BUILD))/deb

deb:
	@MAKE="$(MAKE)" bash mk/deb.sh "$(abspath .)" "$(DEB_DIR)" "$(VERSION)"

# ---- checks -----------------------------------------------------------------
PACKAGING_ENV := MAKE="$(MAKE)" VERSION="$(VERSION)" SRC="$(abspath .)" \
	BUILD="$(abspath $(BUILD))" RPM_TOPDIR="$(RPM_TOPDIR)" RPM_VERSION="$(RPM_VERSION)" \
	DEB_DIR="$(DEB_DIR)"

check-man:
	@$(PACKAGING_ENV) bash tests/packaging/check-man.sh $(MAN_PAGES)

check-install: $(BIN) $(LIBA) $(LIBSO)
	@$(PACKAGING_ENV) bash tests/packaging/check-install.sh

check-completion:
	@$(PACKAGING_ENV) bash tests/packaging/check-completion.sh

check-rpm:
	@$(PACKAGING_ENV) bash tests/packaging/check-rpm.sh

check-deb:
	@$(PACKAGING_ENV) bash tests/packaging/check-deb.sh

# -Werror only with WERROR=1.
check-werror:
	@$(PACKAGING_ENV) bash tests/packaging/check-werror.sh

.PHONY: dist rpm deb check-man check-install check-completion check-rpm check-deb check-werror
CHECK_TARGETS += check-man check-completion check-install check-rpm check-deb check-werror
