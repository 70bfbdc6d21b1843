/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netns lab: what a lab made, recorded as RUNDIR-lab/LAB.json. Not inside
 * the run directory: `ip netns list` prints every entry of /run/netns,
 * a hidden directory included (iproute2 skips only "." and ".."). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns.h"
#include "lab.h"

char *lab_state_dir(void)
{
	const char *rd = netns_rundir_get();
	size_t len = strlen(rd);
	char *s;

	while (len > 1 && rd[len - 1] == '/')
		len--;
	return asprintf(&s, "%.*s-lab", (int)len, rd) < 0 ? NULL : s;
}

char *lab_state_path(const char *lab)
{
	char *dir = lab_state_dir(), *s = NULL;

	if (dir && asprintf(&s, "%s/%s.json", dir, lab) < 0)
		s = NULL;
	free(dir);
	return s;
}

static json_t *addrs_of(const struct lab *lab, size_t node, const char *ifname, const char *cidr)
{
	json_t *a = json_array();

	if (!a)
		return NULL;
	if (cidr)
		json_array_append_new(a, json_string(cidr));
	for (size_t i = 0; i < lab->nodes[node].n_addrs; i++)
		if (strcmp(lab->nodes[node].addrs[i].ifname, ifname) == 0)
			json_array_append_new(a, json_string(lab->nodes[node].addrs[i].cidr));
	return a;
}

/* Every address of node I, as "IF CIDR": on its link ends (ENDS[I], made by
 * link_ends()), then its own. */
static json_t *node_addrs(const struct lab *lab, size_t i, json_t *ends)
{
	json_t *a = ends ? json_incref(ends) : json_array();

	for (size_t j = 0; a && j < lab->nodes[i].n_addrs; j++)
		json_array_append_new(a, json_sprintf("%s %s", lab->nodes[i].addrs[j].ifname,
						      lab->nodes[i].addrs[j].cidr));
	return a;
}

/* The addresses of every node's link ends, "IF CIDR", in link order: one
 * pass over the links, not one per node (10,000 nodes). NULL: ENOMEM. */
static json_t **link_ends(const struct lab *lab)
{
	json_t **ends = calloc(lab->n_nodes + 1, sizeof(*ends));

	for (size_t l = 0; ends && l < lab->n_links; l++)
		for (int e = 0; e < 2; e++) {
			const struct lab_end *end = &lab->links[l].end[e];

			if (!end->cidr)
				continue;
			if (!ends[end->node])
				ends[end->node] = json_array();
			json_array_append_new(ends[end->node],
					      json_sprintf("%s %s", end->ifname, end->cidr));
		}
	return ends;
}

/* A route as one string, "DST[ via VIA][ dev DEV]": what the state records
 * and lab_route_parse() reads back. */
static json_t *route_json(const struct lab_route *rt)
{
	return json_sprintf("%s%s%s%s%s", rt->dst, rt->via ? " via " : "", rt->via ? rt->via : "",
			    rt->dev ? " dev " : "", rt->dev ? rt->dev : "");
}

int lab_route_parse(const char *s, char *buf, size_t len, const char **dst, const char **via,
		    const char **dev)
{
	char *save = NULL, *t;

	if (snprintf(buf, len, "%s", s) >= (int)len)
		return -ENAMETOOLONG;
	*via = *dev = NULL;
	if (!(*dst = strtok_r(buf, " ", &save)))
		return -EINVAL;
	while ((t = strtok_r(NULL, " ", &save))) {
		const char *v = strtok_r(NULL, " ", &save);

		if (!v)
			return -EINVAL;
		if (strcmp(t, "via") == 0)
			*via = v;
		else if (strcmp(t, "dev") == 0)
			*dev = v;
		else
			return -EINVAL;
	}
	return 0;
}

int lab_state_node_id(json_t *node, struct netns_id *ret)
{
	json_t *dev = json_object_get(node, "dev"), *ino = json_object_get(node, "inode");

	if (!json_is_integer(dev) || !json_is_integer(ino))
		return -ENOENT;
	ret->dev = (uint64_t)json_integer_value(dev);
	ret->ino = (uint64_t)json_integer_value(ino);
	return 0;
}

int lab_state_node_set_id(json_t *node, const struct netns_id *id)
{
	if (json_object_set_new(node, "dev", json_integer((json_int_t)id->dev)) < 0 ||
	    json_object_set_new(node, "inode", json_integer((json_int_t)id->ino)) < 0)
		return -ENOMEM;
	return 0;
}

json_t *lab_state_json(const struct lab *lab, const char *file)
{
	json_t *nodes = json_array(), *links = json_array();
	char *abs = file ? realpath(file, NULL) : NULL;
	json_t **ends = link_ends(lab);
	json_t *st;

	if (!ends) {
		json_decref(nodes);
		nodes = NULL;
	}

	for (size_t i = 0; nodes && i < lab->n_nodes; i++) {
		const struct lab_node *n = &lab->nodes[i];
		char *ns = lab_ns_name(lab->name, n->name);

		json_t *routes = json_array(), *sysctls = json_object();

		for (size_t j = 0; routes && j < n->n_routes; j++)
			json_array_append_new(routes, route_json(&n->routes[j]));
		for (size_t j = 0; sysctls && j < n->n_sysctls; j++)
			json_object_set_new(sysctls, n->sysctls[j].key,
					    json_string(n->sysctls[j].value));
		json_array_append_new(nodes, json_pack("{s:s,s:s?,s:s,s:b,s:o*,s:o*,s:o*}", "name",
						       n->name, "namespace", ns, "kind", n->kind,
						       "bridge", n->type->ports, "addrs", node_addrs(lab, i, ends[i]),
						       "routes", routes, "sysctls", sysctls));
		free(ns);
	}
	for (size_t i = 0; links && i < lab->n_links; i++) {
		const struct lab_link *l = &lab->links[i];
		json_t *eps = json_array();

		for (int e = 0; e < 2; e++)
			json_array_append_new(eps, json_pack("{s:s,s:s,s:o}", "node",
				lab->nodes[l->end[e].node].name, "ifname", l->end[e].ifname,
				"addrs", addrs_of(lab, l->end[e].node, l->end[e].ifname, l->end[e].cidr)));
		json_array_append_new(links, json_pack("{s:o,s:I}", "endpoints", eps, "mtu",
						       (json_int_t)l->mtu));
	}
	for (size_t i = 0; ends && i < lab->n_nodes; i++)
		json_decref(ends[i]);
	free(ends);
	st = json_pack("{s:s,s:s?,s:o*,s:o*}", "name", lab->name, "file", abs ? abs : file,
		       "nodes", nodes, "links", links);
	free(abs);
	return st;
}

int lab_state_write(const char *lab, json_t *state, bool excl)
{
	char *dir = lab_state_dir(), *path = lab_state_path(lab), *tmp = NULL;
	int r = 0;

	if (!dir || !path || asprintf(&tmp, "%s.%d.tmp", path, (int)getpid()) < 0) {
		tmp = NULL;
		r = -ENOMEM;
		goto out;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		goto out;
	}
	if (json_dump_file(state, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) < 0) {
		r = errno ? -errno : -EIO;
		unlink(tmp);
		goto out;
	}
	/* link(2), not rename(2): two `lab up` of one lab at once, and only one
	 * gets the name; the other sees -EEXIST and makes nothing. */
	if (excl ? link(tmp, path) < 0 : rename(tmp, path) < 0)
		r = -errno;
	unlink(tmp);
out:
	free(dir);
	free(path);
	free(tmp);
	return r;
}

int lab_state_load(const char *lab, json_t **ret)
{
	char *path = lab_state_path(lab);
	json_error_t e;
	json_t *st;

	if (!path)
		return -ENOMEM;
	if (access(path, F_OK) < 0) {
		int r = -errno;

		free(path);
		return r;
	}
	st = json_load_file(path, 0, &e);
	free(path);
	if (!st || !json_is_array(json_object_get(st, "nodes")) ||
	    !json_is_array(json_object_get(st, "links"))) {
		json_decref(st);
		return -EBADMSG;
	}
	*ret = st;
	return 0;
}

int lab_state_fail(const struct lab_ctx *ctx, const char *lab, int r)
{
	char *path;
	int status;

	if (r == -ENOENT)
		return lab_failx(ctx, "no lab %s", lab);
	if (r != -EBADMSG || !(path = lab_state_path(lab)))
		return lab_fail(ctx, lab, r);
	status = lab_failx(ctx, "lab %s: its state %s is not one netns wrote (no \"nodes\" and "
			   "\"links\" lists); remove it, and the lab's names with "
			   "netns delete --prefix %s-", lab, path, lab);
	free(path);
	return status;
}

/* The temporary files of lab_state_write() left by a writer killed before
 * its rename: LAB.json.PID.tmp. */
static void tmp_remove(const char *dir, const char *lab)
{
	size_t plen = strlen(lab);
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		const char *p = e->d_name, *q;

		if (strncmp(p, lab, plen) != 0 || strncmp(p + plen, ".json.", 6) != 0)
			continue;
		q = p + plen + 6;
		if (!*q || strspn(q, "0123456789") != strlen(q) - 4 || strcmp(q + strlen(q) - 4, ".tmp"))
			continue;
		unlinkat(dirfd(d), p, 0);
	}
	if (d)
		closedir(d);
}

void lab_state_tidy(const char *lab)
{
	char *dir = lab_state_dir();

	if (!dir)
		return;
	tmp_remove(dir, lab);
	rmdir(dir); /* when it was the last lab; ENOTEMPTY otherwise */
	free(dir);
}

int lab_state_remove(const char *lab)
{
	char *path = lab_state_path(lab), *dir = lab_state_dir();
	int r = 0;

	if (!path || !dir)
		r = -ENOMEM;
	else if (unlink(path) < 0)
		r = -errno;
	/* After the state: what it lists is gone by now. */
	lab_journal_remove(lab);
	if (dir) {
		tmp_remove(dir, lab);
		rmdir(dir); /* when it was the last lab; ENOTEMPTY otherwise */
	}
	free(path);
	free(dir);
	return r;
}

int lab_state_lock(void)
{
	char *dir = lab_state_dir();
	int fd, r;

	if (!dir)
		return -ENOMEM;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		free(dir);
		return r;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = fd < 0 ? -errno : 0;
	free(dir);
	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		r = -errno;
		close(fd);
	}
	return r < 0 ? r : fd;
}

/* ---------------------------------------------------------------------------
 * The journal of an up, RUNDIR-lab/LAB.made: one line per namespace the up
 * makes, {"ns":NAME,"dev":D,"inode":I}, written with one write(2) after the
 * namespace exists and before it is named. A kill -9 loses nothing written
 * (the page cache outlives the process; a reboot would lose the file, but
 * also the namespaces), so no fsync: one syscall per node.
 */

char *lab_journal_path(const char *lab)
{
	char *dir = lab_state_dir(), *s = NULL;

	if (dir && asprintf(&s, "%s/%s.made", dir, lab) < 0)
		s = NULL;
	free(dir);
	return s;
}

int lab_journal_open(const char *lab)
{
	char *path = lab_journal_path(lab);
	int fd;

	if (!path)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	free(path);
	return fd < 0 ? -errno : fd;
}

int lab_journal_add(int fd, const char *ns, const struct netns_id *id)
{
	json_t *o = json_pack("{s:s,s:I,s:I}", "ns", ns, "dev", (json_int_t)id->dev, "inode",
			      (json_int_t)id->ino);
	char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
	size_t len;
	ssize_t n;
	int r = 0;

	json_decref(o);
	if (!line)
		return -ENOMEM;
	/* JSON escapes a newline in a name: a raw one ends the entry. */
	len = strlen(line);
	line[len] = '\n';
	n = write(fd, line, len + 1);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len + 1)
		r = -EIO;
	free(line);
	return r;
}

int lab_journal_read(const char *lab, json_t **ret)
{
	char *path = lab_journal_path(lab), *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	json_t *a;
	FILE *f;

	*ret = NULL;
	if (!path)
		return -ENOMEM;
	f = fopen(path, "re");
	free(path);
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	a = json_array();
	if (!a || getdelim(&buf, &len, '\0', f) < 0) {
		int r = a ? (ferror(f) ? -EIO : 0) : -ENOMEM;

		free(buf);
		fclose(f);
		*ret = r == 0 ? a : NULL;
		if (r < 0)
			json_decref(a);
		return r;
	}
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *e = json_loads(line, 0, NULL);

		/* Entries are whole (one write each); skip what is not one. */
		if (json_is_string(json_object_get(e, "ns")) &&
		    json_is_integer(json_object_get(e, "inode")))
			json_array_append(a, e);
		json_decref(e);
	}
	free(buf);
	*ret = a;
	return 0;
}

int lab_journal_remove(const char *lab)
{
	char *path = lab_journal_path(lab);
	int r = 0;

	if (!path)
		return -ENOMEM;
	if (unlink(path) < 0 && errno != ENOENT)
		r = -errno;
	free(path);
	return r;
}
