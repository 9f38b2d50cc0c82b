/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The AUDIT_ARCH value a seccomp filter of the test helpers compares
 * seccomp_data.arch with: the architecture they are built for.
 */
#ifndef PTIMER_TEST_AUDIT_ARCH_H
#define PTIMER_TEST_AUDIT_ARCH_H

#include <linux/audit.h>

#if defined(__x86_64__)
#define VP_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define VP_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#else
#error "audit_arch.h: no AUDIT_ARCH for this architecture"
#endif

#endif
