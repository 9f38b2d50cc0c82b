# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# The ABI of libptimer.so, checked (issue 13).
#
#   make check-abi      fail if the library's ABI differs from the committed
#                       baseline abi/libptimer.so.$(SONAME_MAJOR).xml, or if
#                       the functions of include/ptimer.h, the names in
#                       lib/libptimer.sym and the symbols libptimer.so
#                       exports are not the same three lists
#   make abi-baseline   write that baseline from the library as built now
#
# The baseline is libabigail's abidw(1) description of libptimer.so as
# released: every exported function, its LIBPTIMER_* version, and every
# type reachable from include/ptimer.h (private types dropped).  abidiff(1)
# compares the library built now against it and exits non-zero on any
# change: an incompatible one (a removed symbol, a changed struct layout or
# signature) and a compatible one (an added function or enumerator) alike,
# so that no change to the ABI lands without someone deciding it.
#
# How to change the ABI on purpose:
#  - Compatible (a new function, a field appended to a sized struct of
#    include/ptimer.h, a new enumerator): put new functions in a new node
#    of lib/libptimer.sym (LIBPTIMER_1.1 { global: ...; } LIBPTIMER_1.0;),
#    run `make abi-baseline` and commit abi/ with the change, saying why.
#  - Incompatible: raise SONAME_MAJOR in the Makefile (libptimer.so.2),
#    rename the version node, run `make abi-baseline`, which writes a new
#    abi/libptimer.so.2.xml, and commit it; there is no baseline for the new
#    soname until then, and the check fails.
#
# abidw reads the DWARF of the library: keep -g in CFLAGS (the default).

ABIDW   ?= abidw
ABIDIFF ?= abidiff
ABI_BASELINE := abi/libptimer.so.$(SONAME_MAJOR).xml
ABI_FLAGS    := --headers-dir include --drop-private-types
ABI_DIFF_FLAGS := --headers-dir2 include --drop-private-types --no-default-suppression

.PHONY: check-abi check-abi-symbols abi-baseline
CHECK_TARGETS += check-abi

abi-baseline: $(LIBSO)
	@mkdir -p $(dir $(ABI_BASELINE))
	$(ABIDW) $(ABI_FLAGS) --no-corpus-path --out-file $(ABI_BASELINE) $(LIBSO)
	@echo "wrote $(ABI_BASELINE); commit it with the change that made it"

# The public functions, three ways: declared, listed, exported.
check-abi-symbols: $(LIBSO)
	@grep -v '^[[:space:]]*\*\|^/\*\|^typedef\|^[[:space:]]' include/ptimer.h | \
		sed -n 's/^[^(]*[ *]\(ptimer_[a-z0-9_]*\)(.*/\1/p' | sort > $(BUILD)/abi-header.txt
	@sed -n 's/^[[:space:]]*\(ptimer_[a-z0-9_]*\);$$/\1/p' lib/libptimer.sym | sort \
		> $(BUILD)/abi-sym.txt
	@nm -D --defined-only $(LIBSO) | awk '$$2 == "T" { print $$3 }' | sed 's/@.*//' | sort \
		> $(BUILD)/abi-exported.txt
	@diff -u --label include/ptimer.h --label lib/libptimer.sym \
		$(BUILD)/abi-header.txt $(BUILD)/abi-sym.txt || \
		{ echo "check-abi: the header's functions and lib/libptimer.sym differ" >&2; exit 1; }
	@diff -u --label lib/libptimer.sym --label libptimer.so \
		$(BUILD)/abi-sym.txt $(BUILD)/abi-exported.txt || \
		{ echo "check-abi: lib/libptimer.sym and what libptimer.so exports differ" >&2; exit 1; }
	@if objdump -T $(LIBSO) | awk '/ ptimer_/ && $$(NF-1) !~ /^LIBPTIMER_/' | grep .; then \
		echo "check-abi: symbols above carry no LIBPTIMER_* version" >&2; exit 1; fi
	@echo "check-abi: $$(wc -l < $(BUILD)/abi-sym.txt) functions declared, listed and exported"

check-abi: check-abi-symbols $(LIBSO)
	@command -v $(ABIDIFF) >/dev/null || \
		{ echo "check-abi: $(ABIDIFF) not found (Debian: abigail-tools)" >&2; exit 1; }
	@test -f $(ABI_BASELINE) || { echo "check-abi: no baseline $(ABI_BASELINE) for" \
		"libptimer.so.$(SONAME_MAJOR); see mk/abi.mk for how to make one" >&2; exit 1; }
	@$(ABIDIFF) $(ABI_DIFF_FLAGS) $(ABI_BASELINE) $(LIBSO) > $(BUILD)/abi.diff; rc=$$?; \
	if [ $$rc -ne 0 ]; then cat $(BUILD)/abi.diff; \
		echo "check-abi: libptimer.so differs from $(ABI_BASELINE) (abidiff exit $$rc:" \
		"$$( [ $$((rc & 8)) -ne 0 ] && echo incompatible || echo compatible) change);" \
		"if that is meant, see mk/abi.mk" >&2; exit 1; fi
	@echo "check-abi: libptimer.so matches $(ABI_BASELINE)"
