/* Table-driven module argument parsing (the pam-u2f way). */
#include "proto/module_args.h"

#include <stddef.h>
#include <string.h>

#include "base/settings.h"

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

/* Why these arguments cannot go together, or NULL. */
static const char *bad_combination(const sts_args *a)
{
	if (a->use_first_pass && a->try_first_pass)
		return "use_first_pass and try_first_pass exclude each other";
	if (strcmp(a->action, "session") != 0 && strcmp(a->action, "assume-role") != 0 &&
	    strcmp(a->action, "federate") != 0 && strcmp(a->action, "requested") != 0)
		return "action must be session, assume-role, federate or requested";
	if (strcmp(a->action, "requested") == 0 &&
	    (a->role || a->name || a->duration || a->session_policy))
		return "action=requested takes the request from the application only";
	if (strcmp(a->action, "assume-role") == 0 && !a->role)
		return "action=assume-role needs role=NAME, role=ARN or role=prompt";
	if (strcmp(a->action, "federate") == 0 && !a->name)
		return "action=federate needs name=NAME";
	if (strcmp(a->action, "assume-role") != 0 && (a->role || a->session_name))
		return "role= and session_name= need action=assume-role";
	if (strcmp(a->action, "federate") != 0 && a->name)
		return "name= needs action=federate";
	if (strcmp(a->action, "session") == 0 && a->session_policy)
		return "GetSessionToken (action=session) takes no session_policy";
	if (a->env && strcmp(a->env, "secrets") != 0)
		return "env must be \"secrets\"";
	return NULL;
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

static const arg_spec *find_spec(const char *arg, size_t nlen)
{
	for (size_t k = 0; k < sizeof(arg_table) / sizeof(arg_table[0]); k++) {
		if (strlen(arg_table[k].name) == nlen && strncmp(arg_table[k].name, arg, nlen) == 0)
			return &arg_table[k];
	}
	return NULL;
}

int sts_module_args_parse(int argc, const char **argv, sts_args *out, int *bad_index,
			  sts_error *err)
{
	const char *why;

	memset(out, 0, sizeof(*out));
	out->config = STS_DEFAULT_CONFIG;
	out->action = "session";
	out->argc = argc;
	out->argv = argv;
	*bad_index = -1;
	for (int i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		const arg_spec *spec =
			find_spec(argv[i], eq ? (size_t)(eq - argv[i]) : strlen(argv[i]));

		if (!spec || take(out, spec, eq ? eq + 1 : NULL) < 0) {
			*bad_index = i;
			return sts_error_set(err, "bad module argument \"%.200s\"", argv[i]);
		}
	}
	why = bad_combination(out);
	if (why)
		return sts_error_set(err, "bad module arguments: %s", why);
	return 0;
}
