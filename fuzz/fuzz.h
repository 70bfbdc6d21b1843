/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz targets: each file in fuzz/ (but standalone.c) is one libFuzzer
 * target. It checks what the parser promises and abort()s when a promise is
 * broken, so a wrong answer is found as surely as a crash. */
#ifndef NETNS_FUZZ_H
#define NETNS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* DATA as a NUL-terminated string in a buffer of its own, so that ASan sees
 * a read past its end (it stops at a NUL byte, as a command-line argument
 * would). Aborts on ENOMEM; the caller frees it. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
