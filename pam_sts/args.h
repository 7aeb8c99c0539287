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
} sts_args;

/* Returns PAM_SUCCESS, or PAM_SERVICE_ERR after logging the bad argument. */
int sts_args_parse(pam_handle_t *pamh, int argc, const char **argv, sts_args *out);

#endif
