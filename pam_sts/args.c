/* Table-driven module argument parsing (the pam-u2f way). */
#include "args.h"

#include <stddef.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

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
};

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
			pam_syslog(pamh, LOG_ERR, "bad module argument \"%s\"", argv[i]);
			return PAM_SERVICE_ERR;
		}
	}
	if (out->use_first_pass && out->try_first_pass) {
		pam_syslog(pamh, LOG_ERR, "use_first_pass and try_first_pass exclude each other");
		return PAM_SERVICE_ERR;
	}
	return PAM_SUCCESS;
}
