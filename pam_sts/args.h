/* Module arguments, parsed from a table; an unknown argument is an error. */
#ifndef PAM_STS_ARGS_H
#define PAM_STS_ARGS_H

#include <stdbool.h>

#include <security/pam_modules.h>

typedef struct {
	const char *config; /* config=FILE (points into argv) */
	bool use_first_pass;
	bool try_first_pass;
	bool nullok; /* users without a device are ignored, weakening the stack */
	bool debug;
	/* account: the STS operation to decide (session phase: to issue). */
	const char *action;	    /* session (default) | assume-role | federate */
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

/* Returns PAM_SUCCESS, or PAM_SERVICE_ERR after logging the bad argument. */
int sts_args_parse(pam_handle_t *pamh, int argc, const char **argv, sts_args *out);

#endif
