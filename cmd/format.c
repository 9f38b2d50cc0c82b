// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* Formatting for people: escaped names and durations. */

#include "cli.h"

char *cli_escape(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	if (!size)
		return dst;
	for (const char *p = src; *p; p++) {
		unsigned char c = *p;

		if (c >= 0x20 && c < 0x7f && !(c == '\\' && p[1] == 'x')) {
			if (n + 1 >= size)
				break;
			dst[n++] = c;
			continue;
		}
		if (n + 4 >= size)
			break;
		n += snprintf(dst + n, size - n, "\\x%02x", c);
	}
	dst[n] = '\0';
	return dst;
}

void cli_format_duration(char *buf, size_t len, int64_t ns)
{
	double s = ns / 1e9;

	if (ns < 1000000)
		snprintf(buf, len, "%.0f us", ns / 1e3);
	else if (s < 1)
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	else if (s < 120)
		snprintf(buf, len, "%.1f s", s);
	else if (s < 7200)
		snprintf(buf, len, "%.1f min", s / 60);
	else
		snprintf(buf, len, "%.1f h", s / 3600);
}

void cli_format_ns(char *buf, size_t len, int64_t ns)
{
	if (ns == 0) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%lld.%09llds", (long long)(ns / 1000000000),
		 (long long)(ns % 1000000000));
}

void cli_clock_label(char *buf, size_t len, int clockid)
{
	const char *name = ptimer_clock_name(clockid);

	if (ptimer_clock_is_cpu(clockid) && ptimer_cpu_clock_pid(clockid))
		snprintf(buf, len, "%s:%d", name, ptimer_cpu_clock_pid(clockid));
	else if (ptimer_clock_is_cpu(clockid))
		snprintf(buf, len, "%s:self", name);
	else if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%d", clockid);
}
