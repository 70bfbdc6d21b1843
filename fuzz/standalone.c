/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs a fuzz target on files, without libFuzzer: the seed corpus (and every
 * crash found, once added to it) as a regression test that any compiler can
 * build. Usage: TARGET-regress FILE|DIR...; a DIR means each file in it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	size_t len = 0, cap = 4096;
	uint8_t *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf) {
		fprintf(stderr, "%s: %s\n", path, strerror(fd < 0 ? errno : ENOMEM));
		if (fd >= 0)
			close(fd);
		free(buf);
		return -1;
	}
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap) {
			uint8_t *bigger = realloc(buf, cap * 2);

			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
	}
	if (n < 0) {
		int err = errno;

		close(fd);
		free(buf);
		fprintf(stderr, "%s: %s\n", path, strerror(err));
		return -1;
	}
	close(fd);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long files = 0;
	int status = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		struct dirent *de;
		DIR *d;

		if (stat(argv[i], &st) == 0 && !S_ISDIR(st.st_mode)) {
			status |= run_file(argv[i]) < 0;
			files++;
			continue;
		}
		d = opendir(argv[i]);
		if (!d) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		while ((de = readdir(d))) {
			char path[4096];

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			status |= run_file(path) < 0;
			files++;
		}
		closedir(d);
	}
	printf("%s: %lu inputs, %s\n", argv[0], files, status ? "unreadable ones" : "all passed");
	return status;
}
