/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * vp_breakpoint(): for tests/helpers/faulter.c, aarch64.  The program's own
 * breakpoint, the instruction ptimerctl's injected code ends on too; its
 * SIGTRAP comes with VP_BREAKPOINT_SI_CODE (brk_handler()), and leaves the
 * pc on the brk, so the handler must not return to it.
 */
#ifndef PTIMER_TEST_BREAKPOINT_H
#define PTIMER_TEST_BREAKPOINT_H

#include <signal.h>

#define VP_BREAKPOINT_SI_CODE	TRAP_BRKPT

static inline void vp_breakpoint(void)
{
	__asm__ __volatile__("brk #0" ::: "memory");
}

#endif
