/* The helper protocol's operations and the keys each one's messages carry
 * (proto/protocol.h). */
#include "proto/protocol.h"

/* The keys of each operation's request and answer, as lists the tables
 * below put together: each key list is written once. */
#define REQUEST_ALWAYS STS_KEY_VERSION, STS_KEY_OP, STS_KEY_CONFIG
#define ANSWER_ALWAYS  STS_KEY_STATUS, STS_KEY_MESSAGE

#define MFA_REQUEST STS_KEY_USER, STS_KEY_CODE, STS_KEY_SERVICE, STS_KEY_SOURCE_IP, STS_KEY_RHOST
#define MFA_ANSWER                                                                 \
	STS_KEY_RESULT, STS_KEY_AUTH_TIME, STS_KEY_SESSION_GRANT, STS_KEY_SECONDS, \
		STS_KEY_LOCKOUT, STS_KEY_FAILURES, STS_KEY_FLOOR, STS_KEY_NOTE
/* op=roles asks with the login only; op=decide adds what it decides. */
#define ROLES_REQUEST \
	STS_KEY_USER, STS_KEY_SERVICE, STS_KEY_RHOST, STS_KEY_SOURCE_IP, STS_KEY_MFA_TIME
#define ROLES_ANSWER STS_KEY_ROLES
#define DECIDE_REQUEST                                                                 \
	ROLES_REQUEST, STS_KEY_SESSION_POLICY, STS_KEY_APP_REQUEST, STS_KEY_OPERATION, \
		STS_KEY_TARGET, STS_KEY_SESSION_NAME, STS_KEY_DURATION,                \
		STS_KEY_SESSION_POLICY_TEXT
#define DECIDE_ANSWER                                                                           \
	STS_KEY_GRANT, STS_KEY_DECISION, STS_KEY_DECIDED_BY, STS_KEY_OPERATION, STS_KEY_TARGET, \
		STS_KEY_MALFORMED
#define OPEN_REQUEST                                                                  \
	STS_KEY_USER, STS_KEY_SERVICE, STS_KEY_RHOST, STS_KEY_GRANT, STS_KEY_PROFILE, \
		STS_KEY_SECRETS, STS_KEY_SESSION, STS_KEY_PID
#define OPEN_ANSWER                                                                       \
	STS_KEY_SESSION, STS_KEY_UID, STS_KEY_CREDENTIALS_FILE, STS_KEY_ACCESS_KEY_ID,    \
		STS_KEY_EXPIRATION, STS_KEY_PRINCIPAL, STS_KEY_OPERATION, STS_KEY_TARGET, \
		STS_KEY_DECIDED_BY, STS_KEY_REGION, STS_KEY_SECRET_ACCESS_KEY,            \
		STS_KEY_SESSION_TOKEN, STS_KEY_CONFIG_FILE
#define VERIFY_REQUEST	STS_KEY_ACCESS_KEY_ID, STS_KEY_SECRET_ACCESS_KEY, STS_KEY_SESSION_TOKEN
#define VERIFY_ANSWER	STS_KEY_CLAIMS
#define REFRESH_REQUEST STS_KEY_SESSION
#define REFRESH_ANSWER \
	STS_KEY_ACCESS_KEY_ID, STS_KEY_SECRET_ACCESS_KEY, STS_KEY_SESSION_TOKEN, STS_KEY_EXPIRATION

static const char *const mfa_request[] = { REQUEST_ALWAYS, MFA_REQUEST, NULL };
static const char *const mfa_answer[] = { ANSWER_ALWAYS, MFA_ANSWER, NULL };
static const char *const decide_request[] = { REQUEST_ALWAYS, DECIDE_REQUEST, NULL };
static const char *const decide_answer[] = { ANSWER_ALWAYS, DECIDE_ANSWER, NULL };
static const char *const roles_request[] = { REQUEST_ALWAYS, ROLES_REQUEST, NULL };
static const char *const roles_answer[] = { ANSWER_ALWAYS, ROLES_ANSWER, NULL };
static const char *const open_request[] = { REQUEST_ALWAYS, OPEN_REQUEST, NULL };
static const char *const open_answer[] = { ANSWER_ALWAYS, OPEN_ANSWER, NULL };
static const char *const verify_request[] = { REQUEST_ALWAYS, VERIFY_REQUEST, NULL };
static const char *const verify_answer[] = { ANSWER_ALWAYS, VERIFY_ANSWER, NULL };
static const char *const refresh_request[] = { REQUEST_ALWAYS, REFRESH_REQUEST, NULL };
static const char *const refresh_answer[] = { ANSWER_ALWAYS, REFRESH_ANSWER, NULL };

const sts_proto_op sts_proto_ops[] = {
	{ STS_REQ_MFA, mfa_request, mfa_answer },
	{ STS_REQ_DECIDE, decide_request, decide_answer },
	{ STS_REQ_ROLES, roles_request, roles_answer },
	{ STS_REQ_OPEN, open_request, open_answer },
	{ STS_REQ_VERIFY, verify_request, verify_answer },
	{ STS_REQ_REFRESH, refresh_request, refresh_answer },
	{ NULL, NULL, NULL },
};

/* The unions: the readers check a message's keys before they know its
 * operation. A key in two lists is there twice, which only costs a compare. */
const char *const sts_request_keys[] = {
	REQUEST_ALWAYS, MFA_REQUEST,	 DECIDE_REQUEST, OPEN_REQUEST,
	VERIFY_REQUEST, REFRESH_REQUEST, NULL,
};
const char *const sts_answer_keys[] = {
	ANSWER_ALWAYS, MFA_ANSWER,    DECIDE_ANSWER,  ROLES_ANSWER,
	OPEN_ANSWER,   VERIFY_ANSWER, REFRESH_ANSWER, NULL,
};
