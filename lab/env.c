/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab: environment variables in a lab file, expanded as containerlab
 * expands them: on the whole text, before it is read as YAML
 * (core/file.go: envsubst.BytesRestrictedNoReplace(buf, false, false,
 * true, true), hellt/envsubst). So a variable may stand anywhere, in a
 * key, a value or a comment, and a value may hold YAML of its own.
 *
 *   $VAR, ${VAR}        VAR's value; left as written when VAR is not set
 *   ${VAR:-D} ${VAR:=D} VAR's value, D when VAR is unset or empty
 *   ${VAR-D}  ${VAR=D}  VAR's value, D when VAR is unset
 *   ${VAR:+O} ${VAR+O}  O when VAR is set (even empty), else nothing
 *   $$                  a '$'
 *
 * D and O are expanded in turn. A name is letters, digits and '_', not
 * starting with a digit ($1 stays: NoDigit) nor being '_' alone; a '$'
 * before anything else is itself. "${" with no '}' and "${VAR" followed by
 * anything but '}' or an operator above are errors, as they are to
 * containerlab ("bad substitution"). Never prints. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

struct out {
	char *buf;
	size_t len, cap;
	bool discard; /* scanning only: the text of an operand not taken */
};

struct env {
	const char *text, *end;
	const char *err_at; /* where the error is */
	const char *why;
	struct out out;
};

static int put(struct env *e, const char *s, size_t n)
{
	struct out *o = &e->out;

	if (o->discard || !n)
		return 0;
	if (n > LAB_FILE_MAX - o->len)
		return -E2BIG;
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		char *p;

		while (cap < o->len + n)
			cap *= 2;
		if (cap > (size_t)LAB_FILE_MAX)
			cap = LAB_FILE_MAX;
		if (!(p = realloc(o->buf, cap)))
			return -ENOMEM;
		o->buf = p;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	return 0;
}

static bool name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

/* The length of the name at P (up to END), 0 when there is none. */
static size_t name_len(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && name_char(*q))
		q++;
	return (size_t)(q - p);
}

/* A name that is replaced: not starting with a digit, not "_" alone. */
static bool name_ok(const char *p, size_t n)
{
	return n && !(*p >= '0' && *p <= '9') && !(n == 1 && *p == '_');
}

static const char *lookup(const char *p, size_t n)
{
	char name[256];

	if (n >= sizeof(name)) /* longer than any name we set: unset */
		return NULL;
	memcpy(name, p, n);
	name[n] = '\0';
	return getenv(name);
}

static int expand(struct env *e, const char **pp, bool in_braces, unsigned depth);

/* "${" at *PP: one substitution, up to its '}'. */
static int subst(struct env *e, const char **pp, unsigned depth)
{
	const char *start = *pp, *p = start + 2, *name = p, *v;
	size_t n = name_len(p, e->end);
	char op[3] = "";
	bool discard = e->out.discard, take;
	int r;

	if (depth > LAB_DEPTH_MAX) {
		e->err_at = start;
		e->why = "variables nested deeper than 64 levels, the limit of a lab file";
		return -EINVAL;
	}
	p += n;
	if (p < e->end && *p == '}') {
		*pp = p + 1;
		v = name_ok(name, n) ? lookup(name, n) : NULL;
		/* Unset (or not a name): left as written. */
		return v ? put(e, v, strlen(v)) : put(e, start, (size_t)(*pp - start));
	}
	if (p + 1 < e->end && *p == ':' && p[1] && strchr("-=+", p[1])) {
		memcpy(op, p, 2);
		p += 2;
	} else if (p < e->end && *p && strchr("-=+", *p)) {
		op[0] = *p++;
	}
	if (!op[0] || !name_ok(name, n)) {
		e->err_at = start;
		e->why = p < e->end ? "bad substitution: '${' must hold a variable name, then '}' or "
				      "one of ':-', ':=', ':+', '-', '=', '+'"
				    : "'${' without its closing '}'";
		return -EINVAL;
	}
	v = lookup(name, n);
	if (op[strlen(op) - 1] == '+')
		take = v != NULL; /* set, even empty: the operand */
	else if (op[0] == ':')
		take = !v || !*v; /* unset or empty: the default */
	else
		take = !v;
	if (!take && op[strlen(op) - 1] != '+' && (r = put(e, v, strlen(v))) < 0)
		return r;
	e->out.discard = discard || !take;
	r = expand(e, &p, true, depth + 1);
	e->out.discard = discard;
	if (r < 0)
		return r;
	if (p >= e->end) {
		e->err_at = start;
		e->why = "'${' without its closing '}'";
		return -EINVAL;
	}
	*pp = p + 1;
	return 0;
}

/* Copies the text at *PP, expanding what it holds, up to the end or, IN_BRACES,
 * the '}' closing the operand (left at *PP). */
static int expand(struct env *e, const char **pp, bool in_braces, unsigned depth)
{
	const char *p = *pp;
	int r;

	while (p < e->end) {
		const char *q = p;

		while (q < e->end && *q != '$' && !(in_braces && *q == '}'))
			q++;
		if ((r = put(e, p, (size_t)(q - p))) < 0)
			return r;
		p = q;
		if (p >= e->end || *p == '}')
			break;
		if (p + 1 < e->end && p[1] == '$') {
			if ((r = put(e, "$", 1)) < 0)
				return r;
			p += 2;
		} else if (p + 1 < e->end && p[1] == '{') {
			if ((r = subst(e, &p, depth)) < 0)
				return r;
		} else {
			size_t n = name_len(p + 1, e->end);
			const char *v = name_ok(p + 1, n) ? lookup(p + 1, n) : NULL;

			if (v)
				r = put(e, v, strlen(v));
			else /* unset, or not a name: as written */
				r = put(e, p, 1 + n);
			if (r < 0)
				return r;
			p += 1 + n;
		}
	}
	*pp = p;
	return 0;
}

int lab_env_expand(const char *buf, size_t len, char **ret, size_t *ret_len, size_t *ret_line,
		   size_t *ret_col, const char **ret_why)
{
	struct env e = { .text = buf, .end = buf + len };
	const char *p = buf;
	int r;

	*ret = NULL;
	*ret_len = len;
	if (!memchr(buf, '$', len))
		return 0;
	r = expand(&e, &p, false, 0);
	if (r == 0 && !e.out.buf && !(e.out.buf = malloc(1))) /* all of it expanded to nothing */
		r = -ENOMEM;
	if (r < 0) {
		free(e.out.buf);
		if (r == -EINVAL) {
			size_t line = 0, col = 0;

			for (const char *q = buf; q < e.err_at; q++, col++)
				if (*q == '\n')
					line++, col = (size_t)-1;
			*ret_line = line + 1;
			*ret_col = col + 1;
			*ret_why = e.why;
		}
		return r;
	}
	*ret = e.out.buf;
	*ret_len = e.out.len;
	return 0;
}
