/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * vp_breakpoint(): for tests/helpers/faulter.c, x86_64.  The program's own
 * breakpoint, the instruction ptimerctl's injected code ends on too; its
 * SIGTRAP comes with VP_BREAKPOINT_SI_CODE (do_int3_user()).
 */
#ifndef PTIMER_TEST_BREAKPOINT_H
#define PTIMER_TEST_BREAKPOINT_H

#include <signal.h>

#define VP_BREAKPOINT_SI_CODE	SI_KERNEL

static inline void vp_breakpoint(void)
{
	__asm__ __volatile__("int3" ::: "memory");
}

#endif
