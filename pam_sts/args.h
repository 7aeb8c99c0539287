/* Module arguments, parsed from lib/proto/module_args.c's table; an unknown
 * argument is an error. */
#ifndef PAM_STS_ARGS_H
#define PAM_STS_ARGS_H

#include <security/pam_modules.h>

#include "proto/module_args.h"

/* Returns PAM_SUCCESS, or PAM_SERVICE_ERR after logging the bad argument. */
int sts_args_parse(pam_handle_t *pamh, int argc, const char **argv, sts_args *out);

#endif
