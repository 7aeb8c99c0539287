/*
 * pam_sts.so's module arguments: the one table of names and kinds, parsed
 * the same way by the module (pam_sts/args.c, which logs the error) and by
 * stsctl check (which reports it with the PAM file and line). An unknown
 * argument, a flag given a value, a value left empty and an argument
 * combination the module refuses are all errors.
 */
#ifndef STS_MODULE_ARGS_H
#define STS_MODULE_ARGS_H

#include <stdbool.h>

#include "base/error.h"

typedef struct {
	const char *config; /* config=FILE (points into argv) */
	bool use_first_pass;
	bool try_first_pass;
	bool nullok; /* users without a device are ignored, weakening the stack */
	bool debug;
	/* account: the STS operation to decide (session phase: to issue). */
	const char *action;	    /* session (default) | assume-role | federate | requested */
	const char *role;	    /* assume-role: NAME, ARN, or "prompt" */
	const char *name;	    /* federate: the federated user name; %u is the user */
	const char *duration;	    /* seconds, checked against STS's limits */
	const char *session_policy; /* NAME in session_policy_dir */
	const char *session_name;   /* assume-role: RoleSessionName; %u is the user */
	/* session: how the credentials reach the session. */
	const char *profile; /* profile name in the credentials file (AWS_PROFILE) */
	const char *env;     /* "secrets": also put the keys into the environment */
	/* All of them as PAM passed them: the configuration a phase read is
	 * reused by a later one with the same (pam_sts/settings_data.c). */
	int argc;
	const char **argv;
} sts_args;

/*
 * Parses |argv| into |out| (defaults: config=STS_DEFAULT_CONFIG,
 * action=session). Returns 0, or -1 with |err| holding the line the module
 * logs ("bad module argument \"X\"" or "bad module arguments: WHY") and
 * *bad_index the offending argument's index (-1 when it is a combination).
 */
int sts_module_args_parse(int argc, const char **argv, sts_args *out, int *bad_index,
			  sts_error *err);

#endif
