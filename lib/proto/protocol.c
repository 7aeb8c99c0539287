/* The helper protocol's operations and the keys each one's messages carry
 * (proto/protocol.h). */
#include "proto/protocol.h"

#include <string.h>

static const char *const mfa_request[] = {
	STS_KEY_VERSION, STS_KEY_OP,	    STS_KEY_CONFIG, STS_KEY_USER, STS_KEY_CODE,
	STS_KEY_SERVICE, STS_KEY_SOURCE_IP, STS_KEY_RHOST,  NULL,
};
static const char *const mfa_answer[] = {
	STS_KEY_STATUS,
	STS_KEY_MESSAGE,
	STS_KEY_RESULT,
	STS_KEY_AUTH_TIME,
	STS_KEY_SESSION_GRANT,
	STS_KEY_SECONDS,
	STS_KEY_LOCKOUT,
	STS_KEY_FAILURES,
	STS_KEY_FLOOR,
	STS_KEY_NOTE,
	NULL,
};
static const char *const decide_request[] = {
	STS_KEY_VERSION,
	STS_KEY_OP,
	STS_KEY_CONFIG,
	STS_KEY_USER,
	STS_KEY_SERVICE,
	STS_KEY_RHOST,
	STS_KEY_SOURCE_IP,
	STS_KEY_MFA_TIME,
	STS_KEY_SESSION_POLICY,
	STS_KEY_APP_REQUEST,
	STS_KEY_OPERATION,
	STS_KEY_TARGET,
	STS_KEY_SESSION_NAME,
	STS_KEY_DURATION,
	STS_KEY_SESSION_POLICY_TEXT,
	NULL,
};
static const char *const decide_answer[] = {
	STS_KEY_STATUS,	  STS_KEY_MESSAGE,    STS_KEY_GRANT,
	STS_KEY_DECISION, STS_KEY_DECIDED_BY, STS_KEY_OPERATION,
	STS_KEY_TARGET,	  STS_KEY_MALFORMED,  NULL,
};
static const char *const roles_request[] = {
	STS_KEY_VERSION, STS_KEY_OP,	    STS_KEY_CONFIG,   STS_KEY_USER, STS_KEY_SERVICE,
	STS_KEY_RHOST,	 STS_KEY_SOURCE_IP, STS_KEY_MFA_TIME, NULL,
};
static const char *const roles_answer[] = { STS_KEY_STATUS, STS_KEY_MESSAGE, STS_KEY_ROLES, NULL };
static const char *const open_request[] = {
	STS_KEY_VERSION, STS_KEY_OP,	  STS_KEY_CONFIG, STS_KEY_USER,
	STS_KEY_SERVICE, STS_KEY_RHOST,	  STS_KEY_GRANT,  STS_KEY_PROFILE,
	STS_KEY_SECRETS, STS_KEY_SESSION, STS_KEY_PID,	  NULL,
};
static const char *const open_answer[] = {
	STS_KEY_STATUS,
	STS_KEY_MESSAGE,
	STS_KEY_SESSION,
	STS_KEY_UID,
	STS_KEY_CREDENTIALS_FILE,
	STS_KEY_ACCESS_KEY_ID,
	STS_KEY_EXPIRATION,
	STS_KEY_PRINCIPAL,
	STS_KEY_OPERATION,
	STS_KEY_TARGET,
	STS_KEY_DECIDED_BY,
	STS_KEY_REGION,
	STS_KEY_SECRET_ACCESS_KEY,
	STS_KEY_SESSION_TOKEN,
	NULL,
};
static const char *const verify_request[] = {
	STS_KEY_VERSION,
	STS_KEY_OP,
	STS_KEY_CONFIG,
	STS_KEY_ACCESS_KEY_ID,
	STS_KEY_SECRET_ACCESS_KEY,
	STS_KEY_SESSION_TOKEN,
	NULL,
};
static const char *const verify_answer[] = { STS_KEY_STATUS, STS_KEY_MESSAGE, STS_KEY_CLAIMS,
					     NULL };

const sts_proto_op sts_proto_ops[] = {
	{ STS_REQ_MFA, mfa_request, mfa_answer },
	{ STS_REQ_DECIDE, decide_request, decide_answer },
	{ STS_REQ_ROLES, roles_request, roles_answer },
	{ STS_REQ_OPEN, open_request, open_answer },
	{ STS_REQ_VERIFY, verify_request, verify_answer },
	{ NULL, NULL, NULL },
};

/* The unions of the lists above: the reader checks a message's keys before
 * it knows the operation. */
const char *const sts_request_keys[] = {
	STS_KEY_VERSION,
	STS_KEY_OP,
	STS_KEY_CONFIG,
	STS_KEY_USER,
	STS_KEY_SERVICE,
	STS_KEY_RHOST,
	STS_KEY_GRANT,
	STS_KEY_PROFILE,
	STS_KEY_SECRETS,
	STS_KEY_ACCESS_KEY_ID,
	STS_KEY_SECRET_ACCESS_KEY,
	STS_KEY_SESSION_TOKEN,
	STS_KEY_SESSION,
	STS_KEY_PID,
	STS_KEY_SOURCE_IP,
	STS_KEY_MFA_TIME,
	STS_KEY_OPERATION,
	STS_KEY_TARGET,
	STS_KEY_SESSION_NAME,
	STS_KEY_DURATION,
	STS_KEY_SESSION_POLICY,
	STS_KEY_SESSION_POLICY_TEXT,
	STS_KEY_CODE,
	STS_KEY_APP_REQUEST,
	NULL,
};

const char *const sts_answer_keys[] = {
	STS_KEY_STATUS,
	STS_KEY_MESSAGE,
	STS_KEY_SESSION,
	STS_KEY_UID,
	STS_KEY_CREDENTIALS_FILE,
	STS_KEY_ACCESS_KEY_ID,
	STS_KEY_EXPIRATION,
	STS_KEY_PRINCIPAL,
	STS_KEY_REGION,
	STS_KEY_SECRET_ACCESS_KEY,
	STS_KEY_SESSION_TOKEN,
	STS_KEY_CLAIMS,
	STS_KEY_OPERATION,
	STS_KEY_TARGET,
	STS_KEY_DECIDED_BY,
	STS_KEY_GRANT,
	STS_KEY_DECISION,
	STS_KEY_ROLES,
	STS_KEY_RESULT,
	STS_KEY_AUTH_TIME,
	STS_KEY_SECONDS,
	STS_KEY_NOTE,
	STS_KEY_LOCKOUT,
	STS_KEY_FAILURES,
	STS_KEY_FLOOR,
	STS_KEY_MALFORMED,
	STS_KEY_SESSION_GRANT,
	NULL,
};

const sts_proto_op *sts_proto_op_find(const char *word)
{
	for (size_t i = 0; word && sts_proto_ops[i].op; i++)
		if (strcmp(sts_proto_ops[i].op, word) == 0)
			return &sts_proto_ops[i];
	return NULL;
}
