/*
 * stsctl credential-process --session NAME [--config FILE]: the open
 * session NAME's credentials, issued again by sts-helper (op=refresh,
 * docs/refresh.md), printed as credential_process JSON. The session's own
 * AWS config runs this; each call decides again, so a refused refresh
 * prints nothing on stdout (the SDK keeps what it had until it expires)
 * and the reason on stderr. Exit status: 0, 1 (refused), 2 (could not ask).
 *
 * A user's request goes to the set-uid helper, which takes the caller from
 * its real uid; the broker serves root only, so its socket is not tried.
 * --config is honoured only by a helper that is not set-uid (tests, root).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/settings.h"
#include "proto/calls.h"
#include "proto/protocol.h"
#include "stsctl.h"

/* pam_sts.conf when readable (where the helper is), else the defaults. */
static int load_settings(const char *config, sts_settings *s)
{
	sts_error err;

	if (sts_settings_load(config ? config : STS_DEFAULT_CONFIG, s, &err) == 0 ||
	    sts_settings_defaults(s, &err) == 0)
		return 0;
	fprintf(stderr, "stsctl: credential-process: %s\n", err.msg);
	return -1;
}

static int print_answer(const sts_msg *answer)
{
	const char *akid = sts_msg_get(answer, STS_KEY_ACCESS_KEY_ID),
		   *secret = sts_msg_get(answer, STS_KEY_SECRET_ACCESS_KEY),
		   *token = sts_msg_get(answer, STS_KEY_SESSION_TOKEN),
		   *expiry = sts_msg_get(answer, STS_KEY_EXPIRATION),
		   *message = sts_msg_get(answer, STS_KEY_MESSAGE);
	sts_answer_status status = sts_answer_status_of(answer);

	if (status == STS_ANSWER_OK && akid && secret && token && expiry)
		return stsctl_print_process_json(akid, secret, token, expiry);
	fprintf(stderr, "stsctl: credential-process: %.600s\n",
		message ? message : "sts-helper gave no credential");
	return status == STS_ANSWER_DENIED ? STSCTL_DENIED : STSCTL_USAGE;
}

int stsctl_refresh_process(const char *session, const char *config)
{
	sts_settings settings;
	sts_msg answer;
	sts_error err;
	int rc, status;

	if (load_settings(config, &settings) < 0)
		return STSCTL_USAGE;
	if (geteuid() != 0)
		settings.helper_socket[0] = '\0';
	rc = sts_call_refresh(&settings, config, session, &answer, &err);
	sts_settings_free(&settings);
	if (rc == STS_CALL_NOMEM) {
		fputs("stsctl: credential-process: out of memory\n", stderr);
		return STSCTL_USAGE;
	}
	if (rc < 0) {
		fprintf(stderr, "stsctl: credential-process: %s\n", err.msg);
		return STSCTL_USAGE;
	}
	status = print_answer(&answer);
	sts_msg_free(&answer);
	return status;
}
