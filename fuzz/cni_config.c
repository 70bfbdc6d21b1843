/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the CNI network config of netns-ipam (cni_config_parse, then
 * cni_ipam_conf_parse): either an error the spec knows, with a message, or
 * ranges whose every bound lies in its subnet, start before end. */
#include <jansson.h>
#include <stdio.h>

#include "../cni/lib/cni.h"
#include "../cni/lib/range.h"
#include "fuzz.h"

static void check_err(const struct cni_err *err)
{
	if (!err->msg[0])
		abort();
	switch (err->code) {
	case CNI_ERR_VERSION: case CNI_ERR_DECODE: case CNI_ERR_CONFIG: case CNI_ERR_GENERIC:
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_err err = { 0 };
	struct cni_ipam_conf c;
	json_t *conf = cni_config_parse((const char *)data, size, &err);
	size_t i, j;

	if (!conf) {
		check_err(&err);
		return 0;
	}
	if (!json_is_object(conf) ||
	    !cni_version_supported(json_string_value(json_object_get(conf, "cniVersion"))))
		abort();
	if (cni_ipam_conf_parse(conf, &c, &err) < 0) {
		check_err(&err);
	} else {
		if (c.nsets == 0 || !c.data_dir || c.data_dir[0] != '/')
			abort();
		for (i = 0; i < c.nsets; i++) {
			if (c.sets[i].n == 0)
				abort();
			for (j = 0; j < c.sets[i].n; j++) {
				const struct cni_range *r = &c.sets[i].r[j];
				if (!cni_range_contains(r, &r->start) || !cni_range_contains(r, &r->end) ||
				    cni_ip_cmp(&r->start, &r->end) > 0 ||
				    r->gateway.family != r->subnet.family)
					abort();
			}
		}
	}
	cni_ipam_conf_free(&c);
	json_decref(conf);
	return 0;
}
