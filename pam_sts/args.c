/* The module's arguments: lib/proto/module_args.c parses, the module logs. */
#include "args.h"

#include <syslog.h>

#include "audit.h"

int sts_args_parse(pam_handle_t *pamh, int argc, const char **argv, sts_args *out)
{
	sts_error err;
	int bad_index;

	if (sts_module_args_parse(argc, argv, out, &bad_index, &err) < 0) {
		sts_pam_log(pamh, LOG_ERR, "%s", err.msg);
		return PAM_SERVICE_ERR;
	}
	return PAM_SUCCESS;
}
