/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: CNI_ARGS ("K=V;K=V") as cni_args_parse splits it: every pair
 * has a non-empty key and value without '=' or ';', and the pairs joined
 * again are the input; cni_args_check agrees with the parser. */
#include <errno.h>
#include <stdio.h>

#include "../cni/lib/cni.h"
#include "fuzz.h"

struct join {
	char *buf;
	size_t len, cap;
};

static int collect(const char *k, size_t klen, const char *v, size_t vlen, void *data)
{
	struct join *j = data;

	if (!klen || !vlen || memchr(k, '=', klen) || memchr(k, ';', klen) ||
	    memchr(v, '=', vlen) || memchr(v, ';', vlen))
		abort();
	if (j->len + klen + vlen + 2 > j->cap)
		abort();
	if (j->len)
		j->buf[j->len++] = ';';
	memcpy(j->buf + j->len, k, klen);
	j->len += klen;
	j->buf[j->len++] = '=';
	memcpy(j->buf + j->len, v, vlen);
	j->len += vlen;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	struct join j = { .buf = malloc(size + 2), .cap = size + 2 };
	struct cni_err err = { 0 };
	static const char *const known[] = { "K8S_POD_NAME", NULL };
	int r, c;

	if (!j.buf)
		abort();
	r = cni_args_parse(s, collect, &j);
	if (r != 0 && r != -EINVAL)
		abort();
	if (r == 0 && (j.len != strlen(s) || memcmp(j.buf, s, j.len) != 0))
		abort();
	c = cni_args_check(s, known, &err);
	if (r < 0 && (c != -1 || err.code != CNI_ERR_ENV))
		abort();
	if (c < 0 && (!err.msg[0] || (err.code != CNI_ERR_ENV && err.code != CNI_ERR_FIELD)))
		abort();
	free(j.buf);
	free(s);
	return 0;
}
