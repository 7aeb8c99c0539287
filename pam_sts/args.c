/* Table-driven module argument parsing (the pam-u2f way). */
#include "args.h"

#include <stddef.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "audit.h"
#include "settings.h"

typedef enum {
	ARG_FLAG,
	ARG_VALUE
} arg_kind;

typedef struct {
	const char *name;
	arg_kind kind;
	size_t offset;
} arg_spec;

static const arg_spec arg_table[] = {
	{ "config", ARG_VALUE, offsetof(sts_args, config) },
	{ "use_first_pass", ARG_FLAG, offsetof(sts_args, use_first_pass) },
	{ "try_first_pass", ARG_FLAG, offsetof(sts_args, try_first_pass) },
	{ "nullok", ARG_FLAG, offsetof(sts_args, nullok) },
	{ "debug", ARG_FLAG, offsetof(sts_args, debug) },
	{ "action", ARG_VALUE, offsetof(sts_args, action) },
	{ "role", ARG_VALUE, offsetof(sts_args, role) },
	{ "name", ARG_VALUE, offsetof(sts_args, name) },
	{ "duration", ARG_VALUE, offsetof(sts_args, duration) },
	{ "session_policy", ARG_VALUE, offsetof(sts_args, session_policy) },
	{ "session_name", ARG_VALUE, offsetof(sts_args, session_name) },
	{ "profile", ARG_VALUE, offsetof(sts_args, profile) },
	{ "env", ARG_VALUE, offsetof(sts_args, env) },
};

/* Arguments that only make sense together. */
static int check_combination(pam_handle_t *pamh, const sts_args *a)
{
	const char *why = NULL;

	if (a->use_first_pass && a->try_first_pass)
		why = "use_first_pass and try_first_pass exclude each other";
	else if (strcmp(a->action, "session") != 0 && strcmp(a->action, "assume-role") != 0 &&
		 strcmp(a->action, "federate") != 0 && strcmp(a->action, "requested") != 0)
		why = "action must be session, assume-role, federate or requested";
	else if (strcmp(a->action, "requested") == 0 &&
		 (a->role || a->name || a->duration || a->session_policy))
		why = "action=requested takes the request from the application only";
	else if (strcmp(a->action, "assume-role") == 0 && !a->role)
		why = "action=assume-role needs role=NAME, role=ARN or role=prompt";
	else if (strcmp(a->action, "federate") == 0 && !a->name)
		why = "action=federate needs name=NAME";
	else if (strcmp(a->action, "assume-role") != 0 && (a->role || a->session_name))
		why = "role= and session_name= need action=assume-role";
	else if (strcmp(a->action, "federate") != 0 && a->name)
		why = "name= needs action=federate";
	else if (strcmp(a->action, "session") == 0 && a->session_policy)
		why = "GetSessionToken (action=session) takes no session_policy";
	else if (a->env && strcmp(a->env, "secrets") != 0)
		why = "env must be \"secrets\"";
	if (why) {
		sts_pam_log(pamh, LOG_ERR, "bad module arguments: %s", why);
		return PAM_SERVICE_ERR;
	}
	return PAM_SUCCESS;
}

static int take(sts_args *out, const arg_spec *spec, const char *value)
{
	char *slot = (char *)out + spec->offset;

	if (spec->kind == ARG_FLAG) {
		if (value)
			return -1;
		*(bool *)slot = true;
		return 0;
	}
	if (!value || !*value)
		return -1;
	*(const char **)slot = value;
	return 0;
}

int sts_args_parse(pam_handle_t *pamh, int argc, const char **argv, sts_args *out)
{
	memset(out, 0, sizeof(*out));
	out->config = STS_DEFAULT_CONFIG;
	out->action = "session";
	out->argc = argc;
	out->argv = argv;
	for (int i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		size_t nlen = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
		const arg_spec *spec = NULL;

		for (size_t k = 0; k < sizeof(arg_table) / sizeof(arg_table[0]); k++) {
			if (strlen(arg_table[k].name) == nlen &&
			    strncmp(arg_table[k].name, argv[i], nlen) == 0)
				spec = &arg_table[k];
		}
		if (!spec || take(out, spec, eq ? eq + 1 : NULL) < 0) {
			sts_pam_log(pamh, LOG_ERR, "bad module argument \"%s\"", argv[i]);
			return PAM_SERVICE_ERR;
		}
	}
	return check_combination(pamh, out);
}
