/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The engine's voice: every progress line, note and error goes to the
 * caller's report callback (struct lab_ctx), formatted here; the engine
 * itself never writes to stdout or stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lab.h"

__attribute__((format(printf, 5, 0)))
static void say(const struct lab_ctx *ctx, enum lab_level level, int err, bool final,
		const char *fmt, va_list ap)
{
	struct lab_report rep = { .level = level, .err = err, .final = final };
	char *text;

	if (!ctx || !ctx->report)
		return;
	if (vasprintf(&text, fmt, ap) < 0) {
		/* The reason still reaches the caller, if not its words. */
		rep = (struct lab_report){ .level = level, .err = err, .text = "out of memory" };
		ctx->report(ctx->data, &rep);
		return;
	}
	rep.text = text;
	ctx->report(ctx->data, &rep);
	free(text);
}

int lab_fail(const struct lab_ctx *ctx, const char *what, int err)
{
	struct lab_report rep = { .level = LAB_ERROR, .err = err, .text = what };

	if (ctx && ctx->report)
		ctx->report(ctx->data, &rep);
	return LAB_FAILED;
}

int lab_failx(const struct lab_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(ctx, LAB_ERROR, 0, false, fmt, ap);
	va_end(ap);
	return LAB_FAILED;
}

void lab_note(const struct lab_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(ctx, LAB_NOTE, 0, false, fmt, ap);
	va_end(ap);
}

void lab_progressf(const struct lab_ctx *ctx, bool final, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(ctx, LAB_PROGRESS, 0, final, fmt, ap);
	va_end(ap);
}

void lab_progress_clear(const struct lab_ctx *ctx)
{
	struct lab_report rep = { .level = LAB_PROGRESS };

	if (ctx && ctx->report)
		ctx->report(ctx->data, &rep);
}

void lab_progress_init(struct lab_progress *p, const struct lab_ctx *ctx, const char *lab,
		       size_t nodes, size_t links)
{
	*p = (struct lab_progress){ .ctx = ctx, .lab = lab, .n_nodes = nodes, .n_links = links };
	clock_gettime(CLOCK_MONOTONIC, &p->start);
}

/* Nothing in the first second: a small lab comes up without a line. */
void lab_progress_show(struct lab_progress *p)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((now.tv_sec - p->start.tv_sec) * 1000L + (now.tv_nsec - p->start.tv_nsec) / 1000000L < 1000)
		return;
	lab_progressf(p->ctx, false, "lab %s: %zu/%zu nodes, %zu/%zu links", p->lab, p->nodes,
		      p->n_nodes, p->links, p->n_links);
}

void lab_progress_end(struct lab_progress *p)
{
	lab_progress_clear(p->ctx);
}
