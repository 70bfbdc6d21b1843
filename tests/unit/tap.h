/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A minimal TAP producer for the C unit tests: ok(), is(), plan and exit code. */
#ifndef NETNS_TAP_H
#define NETNS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3), unused))
static int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

/* Compares two integers and shows both on failure. */
#define is(got, want, ...)                                                        \
	({                                                                        \
		long long _g = (long long)(got), _w = (long long)(want);          \
		int _ok = ok(_g == _w, __VA_ARGS__);                              \
		if (!_ok)                                                         \
			printf("#   got %lld, want %lld (%s)\n", _g, _w, #got);      \
		_ok;                                                              \
	})

__attribute__((format(printf, 1, 2), unused))
static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Compares two strings, "WHAT is WANT", and shows what it got on failure. */
__attribute__((unused))
static int str_is(const char *got, const char *want, const char *what)
{
	int r = ok(strcmp(got, want) == 0, "%s is %s", what, want);

	if (!r)
		diag("got %s", got);
	return r;
}

/* Prints the plan and returns the exit status. */
static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
