/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: namespace names as users give them: netns_name_check, and
 * cli_json_string, which turns a name's bytes into a JSON string for -j. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/cli.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	size_t len = strlen(s);
	bool valid = len > 0 && len <= NAME_MAX && strcmp(s, ".") != 0 && strcmp(s, "..") != 0 &&
		     !strchr(s, '/');
	json_t *j, *plain;

	if ((netns_name_check(s) == 0) != valid)
		abort();
	/* Always a string; the name itself when it is UTF-8, else each bad
	 * byte as U+FFFD (3 bytes). */
	j = cli_json_string(s);
	if (!j || !json_is_string(j) || json_string_length(j) > 3 * len)
		abort();
	plain = json_string(s);
	if (plain && strcmp(json_string_value(j), s) != 0)
		abort();
	if (!plain && json_string_length(j) == len && memcmp(json_string_value(j), s, len) == 0)
		abort();
	json_decref(plain);
	json_decref(j);
	free(s);
	return 0;
}
