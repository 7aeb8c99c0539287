/*
 * The request options stsctl simulate and stsctl authorize share: --action,
 * --resource, and --context in three forms: KEY=VALUE (repeated:
 * multi-valued), KEY[]=VALUE (multi-valued even once), KEY[] (present and
 * empty).
 */
#ifndef STSCTL_REQUEST_H
#define STSCTL_REQUEST_H

#include <getopt.h>

#include "policy/policy.h"

/* Their getopt_long codes, the same in every command's table. */
enum {
	STSCTL_OPT_ACTION = 768,
	STSCTL_OPT_RESOURCE,
	STSCTL_OPT_CONTEXT,
};

/* Their rows in a command's getopt_long table. */
/* clang-format off */
#define STSCTL_REQUEST_OPTIONS                                          \
	{ "action", required_argument, NULL, STSCTL_OPT_ACTION },       \
	{ "resource", required_argument, NULL, STSCTL_OPT_RESOURCE },   \
	{ "context", required_argument, NULL, STSCTL_OPT_CONTEXT }
/* clang-format on */

typedef struct {
	const char *cmd;	     /* "simulate", "authorize": names the command in messages */
	const char *const *reserved; /* keys --context may not give, in any case; NULL: none */
	const char *reserved_why;    /* where those keys come from, for the message */
	const char *action, *resource;
	sts_context *context; /* the caller's; each --context adds to it */
} stsctl_request;

/* A command's other options: 0 taken, -1 refused (printed by the callee).
 * It also gets '?', getopt_long's code for an unknown option. */
typedef int (*stsctl_option_fn)(void *arg, int opt, const char *value);

/* Runs getopt_long over |argv| with |options|: the request options fill |r|,
 * every other goes to |take| with |arg|. Then no operand may be left, and
 * --action and --resource must have been given. 0, or -1 (printed). */
int stsctl_request_parse(stsctl_request *r, int argc, char **argv, const struct option *options,
			 stsctl_option_fn take, void *arg);

#endif
