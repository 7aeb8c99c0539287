/*
 * The helper protocol's words: the operations (op=), the keys of each
 * operation's request and answer, and the status and result words. The
 * module, stsctl, sts-helper, the fuzzer and the bench's null helper spell
 * the protocol only with these; docs/protocol.md describes it, and
 * tests/man/run-man.sh checks that it names every word defined here.
 * The framing (key=value lines, bounds) is proto/codec.h's.
 */
#ifndef STS_PROTO_PROTOCOL_H
#define STS_PROTO_PROTOCOL_H

#include <stddef.h>

/* version=: the only version sts-helper answers. */
#define STS_PROTO_VERSION "1"

/* The operations (op=). */
#define STS_REQ_MFA    "mfa"	/* auth: check a TOTP code */
#define STS_REQ_DECIDE "decide" /* account: decide the STS request, seal the grant */
#define STS_REQ_ROLES  "roles"	/* account, role=prompt: the roles the user may assume */
#define STS_REQ_OPEN   "open"	/* session: issue the grant, write the credentials */
#define STS_REQ_VERIFY "verify" /* stsctl: check a credential (users may ask) */
/* stsctl credential-process: the session's credentials decided and issued
 * again (users may ask, for their own open session only) */
#define STS_REQ_REFRESH "refresh"

/* Keys every request carries. */
#define STS_KEY_VERSION "version"
#define STS_KEY_OP	"op"
/* The configuration file; honoured only when sts-helper is not set-uid. */
#define STS_KEY_CONFIG "config"

/* Request keys: the login. */
#define STS_KEY_USER	  "user"
#define STS_KEY_SERVICE	  "service"
#define STS_KEY_RHOST	  "rhost"
#define STS_KEY_SOURCE_IP "source_ip" /* rhost when it is an IP address */
#define STS_KEY_MFA_TIME  "mfa_time"  /* the auth phase's auth_time */
#define STS_KEY_CODE	  "code"
/* Request keys: what op=decide decides (answer keys too, see below). */
#define STS_KEY_OPERATION	    "operation" /* request: a word; answer: a name */
#define STS_KEY_TARGET		    "target"
#define STS_KEY_SESSION_NAME	    "session_name"
#define STS_KEY_DURATION	    "duration"
#define STS_KEY_SESSION_POLICY	    "session_policy"
#define STS_KEY_SESSION_POLICY_TEXT "session_policy_text"
#define STS_KEY_APP_REQUEST	    "app_request"
/* Request keys: op=open. */
#define STS_KEY_GRANT	"grant" /* op=decide's answer, op=open's request */
#define STS_KEY_PROFILE "profile"
#define STS_KEY_SECRETS "secrets" /* STS_SECRETS_YES or STS_SECRETS_NO */
#define STS_KEY_SESSION "session" /* the session directory's name */
#define STS_KEY_PID	"pid"
/* Request keys of op=verify, answer keys of op=open. */
#define STS_KEY_ACCESS_KEY_ID	  "access_key_id"
#define STS_KEY_SECRET_ACCESS_KEY "secret_access_key"
#define STS_KEY_SESSION_TOKEN	  "session_token"

/* Answer keys: every answer has a status, and a message unless it is ok. */
#define STS_KEY_STATUS	"status"
#define STS_KEY_MESSAGE "message"
/* op=mfa. */
#define STS_KEY_RESULT	      "result"
#define STS_KEY_AUTH_TIME     "auth_time"
#define STS_KEY_SESSION_GRANT "session_grant"
#define STS_KEY_SECONDS	      "seconds"	 /* result=locked: how long still */
#define STS_KEY_LOCKOUT	      "lockout"	 /* this attempt locked out: for how long */
#define STS_KEY_FAILURES      "failures" /* ... after so many failures */
#define STS_KEY_FLOOR	      "floor"	 /* STS_FLOOR_REBUILT */
#define STS_KEY_NOTE	      "note"
/* op=decide. */
#define STS_KEY_DECISION   "decision"
#define STS_KEY_DECIDED_BY "decided_by"
#define STS_KEY_MALFORMED  "malformed" /* STS_KEY_APP_REQUEST: the application's fault */
/* op=roles. */
#define STS_KEY_ROLES "roles" /* names separated by single spaces */
/* op=open. */
#define STS_KEY_UID		 "uid"
#define STS_KEY_CREDENTIALS_FILE "credentials_file"
#define STS_KEY_EXPIRATION	 "expiration"
#define STS_KEY_PRINCIPAL	 "principal"
#define STS_KEY_REGION		 "region"
#define STS_KEY_CONFIG_FILE	 "config_file" /* the session's AWS config (refresh) */
/* The profile that AWS config defines: AWS_PROFILE in the session. */
#define STS_REFRESH_PROFILE_NAME "pam_sts-refresh"
/* op=verify. */
#define STS_KEY_CLAIMS "claims"

/* status= words. */
#define STS_STATUS_OK	  "ok"
#define STS_STATUS_DENIED "denied"
#define STS_STATUS_ERROR  "error"
/* Only ever the broker's whole answer: STS_BROKER_BUSY_ANSWER (proto/socket.h). */
#define STS_STATUS_BUSY "busy"

/* op=mfa's result= words. */
#define STS_RESULT_PASSED    "passed"
#define STS_RESULT_WRONG     "wrong"
#define STS_RESULT_REPLAY    "replay"
#define STS_RESULT_LOCKED    "locked"
#define STS_RESULT_NO_DEVICE "no-device"

/* Other value words. */
#define STS_SECRETS_YES	  "yes"
#define STS_SECRETS_NO	  "no"
#define STS_FLOOR_REBUILT "rebuilt"

/* One operation: its word and the keys its request and its answer may
 * carry (NULL-terminated lists; the request's include version and op). */
typedef struct {
	const char *op;
	const char *const *request;
	const char *const *answer;
} sts_proto_op;

/* Every operation, in the order docs/protocol.md describes them; ends with
 * an entry whose op is NULL. */
extern const sts_proto_op sts_proto_ops[];

/* Every key any request may carry: what sts-helper's reader allows. */
extern const char *const sts_request_keys[];
/* Every key any answer may carry: what the client's reader allows. */
extern const char *const sts_answer_keys[];

#endif
