/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: cli_parse_uint and cli_parse_pid (PIDs, TIDs, MTUs, ports). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/cli.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), back[64];
	unsigned long v = 0, min = 0, max = ~0UL;
	pid_t pid = -1, tid = -1;

	/* The first two bytes pick the range, so bounds get fuzzed too. */
	if (size >= 2) {
		min = data[0] < 128 ? data[0] : 0;
		max = data[1] < 128 ? (unsigned long)data[1] * 1000 : ~0UL;
	}
	if (cli_parse_uint(s, min, max, &v) == 0) {
		/* Digits only, in range, and the number is what the text says
		 * (leading zeros aside). */
		if (v < min || v > max || strspn(s, "0123456789") != strlen(s))
			abort();
		snprintf(back, sizeof(back), "%lu", v);
		if (strcmp(back, s + strspn(s, "0") - (v == 0)) != 0)
			abort();
	}
	if (cli_parse_pid(s, &pid, &tid) == 0) {
		const char *slash = strchr(s, '/');

		if (pid < 1 || pid > 0x3fffffff || tid < 0 || tid > 0x3fffffff || (!slash && tid) ||
		    (slash && tid == 0))
			abort();
	} else if (pid != -1 || tid != -1) {
		abort(); /* written only on success */
	}
	free(s);
	return 0;
}
