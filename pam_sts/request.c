/* Building the STS request from the module arguments and the PAM items. */
#include "request.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "proto/codec.h"
#include "audit.h"

static char *dup_item(pam_handle_t *pamh, int type)
{
	const void *item = NULL;

	if (pam_get_item(pamh, type, &item) != PAM_SUCCESS || !item)
		return NULL;
	return strdup(item);
}

static bool has_item(pam_handle_t *pamh, int type)
{
	const void *item = NULL;

	return pam_get_item(pamh, type, &item) == PAM_SUCCESS && item;
}

static bool is_ip(const char *s)
{
	unsigned char buf[16];

	return s && (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

int sts_login_items_check(pam_handle_t *pamh)
{
	static const struct {
		int type;
		const char *name;
	} items[] = { { PAM_USER, "PAM_USER" },
		      { PAM_SERVICE, "PAM_SERVICE" },
		      { PAM_RHOST, "PAM_RHOST" } };

	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		const void *item = NULL;

		if (pam_get_item(pamh, items[i].type, &item) == PAM_SUCCESS && item &&
		    strchr(item, '\n')) {
			sts_pam_log(pamh, LOG_ERR, "invalid input: %s holds a newline: %s",
				    items[i].name, (const char *)item);
			return PAM_SERVICE_ERR;
		}
	}
	return PAM_SUCCESS;
}

int sts_login_get(pam_handle_t *pamh, sts_login *login)
{
	const char *user = NULL;
	int rc;

	/* No user lookup here: sts-helper looks the user up (and refuses an
	 * unknown one) where it decides, and the first NSS lookup of a process
	 * is a cost every login would pay (docs/login-latency.md). */
	memset(login, 0, sizeof(*login));
	rc = pam_get_user(pamh, &user, NULL);
	if (rc != PAM_SUCCESS || !user)
		return rc == PAM_SUCCESS ? PAM_USER_UNKNOWN : rc;
	rc = sts_login_items_check(pamh);
	if (rc != PAM_SUCCESS)
		return rc;
	login->user = strdup(user);
	login->service = dup_item(pamh, PAM_SERVICE);
	login->rhost = dup_item(pamh, PAM_RHOST);
	if (is_ip(login->rhost))
		login->source_ip = strdup(login->rhost);
	/* A remote host that could not be copied must not turn into "no
	 * aws:SourceIp": a policy conditioned on the address would not apply. */
	if (!login->user || !login->service || (has_item(pamh, PAM_RHOST) && !login->rhost) ||
	    (is_ip(login->rhost) && !login->source_ip)) {
		sts_login_free(login);
		sts_pam_log(pamh, LOG_ERR, "user %s: out of memory", user);
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}

void sts_login_free(sts_login *login)
{
	free(login->user);
	free(login->service);
	free(login->rhost);
	free(login->source_ip);
	memset(login, 0, sizeof(*login));
}

/* Expands %u (the user) and %% in an argument. */
static char *expand(const char *pattern, const char *user)
{
	size_t cap = strlen(pattern) * (strlen(user) + 1) + 1, n = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	for (const char *p = pattern; *p; p++) {
		if (p[0] == '%' && p[1] == 'u') {
			memcpy(out + n, user, strlen(user));
			n += strlen(user);
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			out[n++] = '%';
			p++;
		} else if (p[0] == '%') {
			free(out);
			return NULL;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	return out;
}

int sts_request_from_args(pam_handle_t *pamh, const sts_args *args, const char *user,
			  sts_authz_request *req, char **target, char **session_name)
{
	const char *pattern = NULL;

	memset(req, 0, sizeof(*req));
	*target = *session_name = NULL;
	if (strcmp(args->action, "assume-role") == 0) {
		req->op = STS_OP_ASSUME_ROLE;
		pattern = args->role;
	} else if (strcmp(args->action, "federate") == 0) {
		req->op = STS_OP_FEDERATE;
		pattern = args->name;
	} else {
		req->op = STS_OP_SESSION;
	}
	if (sts_parse_duration(args->duration, &req->duration) < 0) {
		sts_pam_log(pamh, LOG_ERR, "bad module argument duration=%s", args->duration);
		return PAM_SERVICE_ERR;
	}
	if ((pattern && !(*target = expand(pattern, user))) ||
	    (args->session_name && !(*session_name = expand(args->session_name, user)))) {
		sts_pam_log(pamh, LOG_ERR, "bad module argument: only %%u and %%%% may follow %%");
		free(*target);
		*target = NULL;
		return PAM_SERVICE_ERR;
	}
	req->target = *target;
	req->session_name = *session_name;
	req->session_policy = args->session_policy;
	return PAM_SUCCESS;
}

int sts_request_from_app(pam_handle_t *pamh, char **app_request)
{
	const char *text = pam_getenv(pamh, STS_REQUEST_ENV);
	const char *why = NULL;

	*app_request = NULL;
	if (!text) {
		sts_pam_log(pamh, LOG_NOTICE, "action=requested, but the application sent no %s",
			    STS_REQUEST_ENV);
		return PAM_PERM_DENIED;
	}
	/* The helper protocol's values are single lines (json-c's plain form,
	 * which sts-assume writes, has no newline), and no request needs more. */
	if (strlen(text) > STS_APP_REQUEST_MAX)
		why = "too long";
	else if (strchr(text, '\n'))
		why = "holds a newline";
	else
		*app_request = strdup(text);
	/* Read once: a later transaction on this handle must not reuse it. */
	pam_putenv(pamh, STS_REQUEST_ENV);
	if (why) {
		sts_pam_log(pamh, LOG_ERR,
			    "%s from the application is malformed: %s (at most %u "
			    "bytes on one line)",
			    STS_REQUEST_ENV, why, STS_APP_REQUEST_MAX);
		return PAM_SERVICE_ERR;
	}
	if (!*app_request) {
		sts_pam_log(pamh, LOG_ERR, "%s: out of memory", STS_REQUEST_ENV);
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}
