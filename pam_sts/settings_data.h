/* pam_sts.conf for a phase: read, or kept from an earlier phase of the login. */
#ifndef PAM_STS_SETTINGS_DATA_H
#define PAM_STS_SETTINGS_DATA_H

#include <security/pam_modules.h>

#include "base/error.h"
#include "base/settings.h"
#include "args.h"

/*
 * The configuration args->config names, for this phase: what an earlier
 * phase of this PAM handle read, when lib/base/settings_cache.h allows reusing
 * it, else read now with every check (and kept for the later phases). The
 * settings belong to the handle (pam_end frees them): the caller must not
 * free them. Returns 0, or -1 with |err| set (nothing is kept then).
 */
int sts_phase_settings(pam_handle_t *pamh, const sts_args *args, const sts_settings **out,
		       sts_error *err);

#endif
