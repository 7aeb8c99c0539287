/*
 * One function per helper operation (proto/calls.h). Each lists the keys
 * and values of its request in the order they go on the wire, after the
 * version, op and config every request starts with; a NULL value is left
 * out, as sts_msg_add leaves it out.
 */
#include "proto/calls.h"

#include <stdio.h>
#include <string.h>

#include "proto/client.h"
#include "proto/protocol.h"

typedef struct {
	const char *key;
	const char *value;
} field;

#define FIELDS(list) (list), sizeof(list) / sizeof((list)[0])

/* Builds the request (version, |op|, |config|, then |fields|), runs it, and
 * frees it (values may be secrets). */
static int call(const sts_settings *settings, const char *op, const char *config,
		const field *fields, size_t n, sts_msg *answer, sts_error *err)
{
	sts_msg req;
	int rc = 0;

	memset(&req, 0, sizeof(req));
	memset(answer, 0, sizeof(*answer));
	if (sts_msg_add(&req, STS_KEY_VERSION, STS_PROTO_VERSION) < 0 ||
	    sts_msg_add(&req, STS_KEY_OP, op) < 0 || sts_msg_add(&req, STS_KEY_CONFIG, config) < 0)
		rc = STS_CALL_NOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (sts_msg_add(&req, fields[i].key, fields[i].value) < 0)
			rc = STS_CALL_NOMEM;
	if (rc == 0 && sts_helper_call(settings, &req, answer, err) < 0)
		rc = -1;
	sts_msg_free(&req);
	return rc;
}

int sts_call_mfa(const sts_settings *settings, const sts_call_login *login, const char *code,
		 sts_msg *answer, sts_error *err)
{
	const field fields[] = {
		{ STS_KEY_USER, login->user },	     { STS_KEY_CODE, code },
		{ STS_KEY_SERVICE, login->service }, { STS_KEY_SOURCE_IP, login->source_ip },
		{ STS_KEY_RHOST, login->rhost },
	};

	return call(settings, STS_REQ_MFA, login->config, FIELDS(fields), answer, err);
}

int sts_call_roles(const sts_settings *settings, const sts_call_login *login, int64_t mfa_time,
		   sts_msg *answer, sts_error *err)
{
	char mfa[32];
	const field fields[] = {
		{ STS_KEY_USER, login->user },	 { STS_KEY_SERVICE, login->service },
		{ STS_KEY_RHOST, login->rhost }, { STS_KEY_SOURCE_IP, login->source_ip },
		{ STS_KEY_MFA_TIME, mfa },
	};

	snprintf(mfa, sizeof(mfa), "%lld", (long long)mfa_time);
	return call(settings, STS_REQ_ROLES, login->config, FIELDS(fields), answer, err);
}

int sts_call_decide(const sts_settings *settings, const sts_call_login *login, int64_t mfa_time,
		    const sts_authz_request *req, const char *app_request, sts_msg *answer,
		    sts_error *err)
{
	/* An application's request is the whole request: nothing of the
	 * module's arguments but the session policy goes with it. */
	const sts_authz_request *own = app_request ? NULL : req;
	char mfa[32], duration[32];
	const field fields[] = {
		{ STS_KEY_USER, login->user },
		{ STS_KEY_SERVICE, login->service },
		{ STS_KEY_RHOST, login->rhost },
		{ STS_KEY_SOURCE_IP, login->source_ip },
		{ STS_KEY_MFA_TIME, mfa },
		{ STS_KEY_SESSION_POLICY, req->session_policy },
		{ STS_KEY_APP_REQUEST, app_request },
		{ STS_KEY_OPERATION, own ? sts_operation_word(own->op) : NULL },
		{ STS_KEY_TARGET, own ? own->target : NULL },
		{ STS_KEY_SESSION_NAME, own ? own->session_name : NULL },
		{ STS_KEY_DURATION, own && own->duration ? duration : NULL },
		{ STS_KEY_SESSION_POLICY_TEXT, own ? own->session_policy_text : NULL },
	};

	snprintf(mfa, sizeof(mfa), "%lld", (long long)mfa_time);
	snprintf(duration, sizeof(duration), "%lu", req->duration);
	return call(settings, STS_REQ_DECIDE, login->config, FIELDS(fields), answer, err);
}

int sts_call_open(const sts_settings *settings, const sts_call_login *login,
		  const sts_call_open_args *open, sts_msg *answer, sts_error *err)
{
	char pid[24];
	const field fields[] = {
		{ STS_KEY_USER, login->user },
		{ STS_KEY_SERVICE, login->service },
		{ STS_KEY_RHOST, login->rhost },
		{ STS_KEY_GRANT, open->grant },
		{ STS_KEY_PROFILE, open->profile },
		{ STS_KEY_SECRETS, open->secrets ? STS_SECRETS_YES : STS_SECRETS_NO },
		{ STS_KEY_SESSION, open->session },
		{ STS_KEY_PID, pid },
	};

	snprintf(pid, sizeof(pid), "%ld", open->pid);
	return call(settings, STS_REQ_OPEN, login->config, FIELDS(fields), answer, err);
}

int sts_call_verify(const sts_settings *settings, const char *access_key_id,
		    const char *secret_access_key, const char *session_token, sts_msg *answer,
		    sts_error *err)
{
	const field fields[] = {
		{ STS_KEY_ACCESS_KEY_ID, access_key_id },
		{ STS_KEY_SECRET_ACCESS_KEY, secret_access_key },
		{ STS_KEY_SESSION_TOKEN, session_token },
	};

	/* No config: a user's verify is answered with the helper's default. */
	return call(settings, STS_REQ_VERIFY, NULL, FIELDS(fields), answer, err);
}

int sts_call_refresh(const sts_settings *settings, const char *config, const char *session,
		     sts_msg *answer, sts_error *err)
{
	const field fields[] = { { STS_KEY_SESSION, session } };

	return call(settings, STS_REQ_REFRESH, config, FIELDS(fields), answer, err);
}

sts_answer_status sts_answer_status_of(const sts_msg *answer)
{
	const char *status = sts_msg_get(answer, STS_KEY_STATUS);

	if (!status)
		return STS_ANSWER_OTHER;
	if (strcmp(status, STS_STATUS_OK) == 0)
		return STS_ANSWER_OK;
	if (strcmp(status, STS_STATUS_DENIED) == 0)
		return STS_ANSWER_DENIED;
	return strcmp(status, STS_STATUS_ERROR) == 0 ? STS_ANSWER_ERROR : STS_ANSWER_OTHER;
}
