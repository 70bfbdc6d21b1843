/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command's side of netns lab (cmd-lab.c, lab-check.c, lab-graph.c):
 * what prints tables and graphs, and turns the engine's reports into the
 * command's lines. */
#ifndef NETNS_CLI_LAB_CMD_H
#define NETNS_CLI_LAB_CMD_H

#include <jansson.h>

#include "lab.h"

/* The engine's reports as the command's lines on stderr: errors and notes as
 * "netns: lab: ...", progress rewritten in place on a terminal. */
extern const struct lab_ctx lab_cli_ctx;

/* lab-check.c: probes every link of lab NAME, up as STATE records it, with
 * an ICMP echo from one end to the other, each given TIMEOUT seconds;
 * prints the table (or JSON with cli.json). Returns EXIT_OK, or EXIT_FAIL
 * when a probe failed. */
int lab_check(const char *name, json_t *state, unsigned timeout);

/* lab-graph.c: the lab STATE (lab_state_json()'s layout) as a graphviz
 * graph: DOT on stdout when OUT is NULL, else written to OUT, which ends
 * in .dot, .svg or .png (through dot(1)). lab_graph_format() is "dot",
 * "svg" or "png" for OUT's extension, NULL for any other. Prints errors and
 * returns an exit status. */
const char *lab_graph_format(const char *out);
int lab_graph(json_t *state, const char *out);

#endif
