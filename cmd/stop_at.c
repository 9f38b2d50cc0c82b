// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * PTIMER_STOP_AT=PHASE[:N]: stop ptimerctl itself (SIGSTOP) the Nth time
 * (default the first) an operation reaches PHASE (ptimer_phase_name()).
 * A test can then send any signal, or SIGKILL, at exactly that moment and
 * SIGCONT it: no window is hit by luck.  Nothing happens without it.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static char stop_phase[32];
static unsigned long stop_count = 1;

static void on_phase(struct ptimer_ctx *ctx, enum ptimer_phase phase)
{
	const char *name = ptimer_phase_name(phase);

	(void)ctx;
	if (!name || strcmp(name, stop_phase) || !stop_count)
		return;
	if (--stop_count == 0)
		raise(SIGSTOP);
}

void cli_stop_at_init(void)
{
	const char *env = getenv("PTIMER_STOP_AT");
	const char *colon;
	size_t len;

	if (!env || !env[0])
		return;
	colon = strchr(env, ':');
	len = colon ? (size_t)(colon - env) : strlen(env);
	if (len >= sizeof(stop_phase))
		return;
	memcpy(stop_phase, env, len);
	stop_phase[len] = '\0';
	if (colon)
		stop_count = strtoul(colon + 1, NULL, 10);
	ptimer_set_phase_fn(cli.ctx, on_phase);
}
