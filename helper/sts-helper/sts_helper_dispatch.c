/*
 * The dispatch table: which operation answers which op= word (in the manner
 * of OpenSSH's mon_dispatch_proto20[]), and which of them a user may ask
 * when sts-helper runs through a set-uid bit. Both ways in, the exec'd
 * helper and the broker, come through sts_helper_handle().
 */
#include "sts_helper_dispatch.h"

#include <string.h>

#include "proto/codec.h"
#include "proto/protocol.h"
#include "sts_helper_fail.h"
#include "sts_helper_ops.h"
#include "sts_helper_refresh.h"

typedef int (*op_handler)(const sts_msg *req, sts_msg *resp);

/* op=verify for a caller with the helper's own privileges, and for a user
 * (set-uid run: the configuration the request names is not honoured). */
static int verify_for_root(const sts_msg *req, sts_msg *resp)
{
	return sts_helper_verify(req, false, resp);
}

static int verify_for_user(const sts_msg *req, sts_msg *resp)
{
	return sts_helper_verify(req, true, resp);
}

/* op=refresh: the caller is the real uid either way (sts_helper_refresh.h). */
static int refresh_for_root(const sts_msg *req, sts_msg *resp)
{
	return sts_helper_refresh(req, false, resp);
}

static int refresh_for_user(const sts_msg *req, sts_msg *resp)
{
	return sts_helper_refresh(req, true, resp);
}

static const struct {
	const char *op;
	op_handler run;		 /* for root (the module, stsctl as root) */
	op_handler run_for_user; /* for a set-uid run; NULL: refused */
} dispatch_table[] = {
	{ STS_REQ_VERIFY, verify_for_root, verify_for_user },
	{ STS_REQ_OPEN, sts_helper_open, NULL },
	{ STS_REQ_MFA, sts_helper_mfa, NULL },
	{ STS_REQ_DECIDE, sts_helper_decide, NULL },
	{ STS_REQ_ROLES, sts_helper_roles, NULL },
	{ STS_REQ_REFRESH, refresh_for_root, refresh_for_user },
};

static int dispatch(const sts_msg *req, bool elevated, sts_msg *resp)
{
	const char *op = sts_msg_get(req, STS_KEY_OP);
	const char *version = sts_msg_get(req, STS_KEY_VERSION);

	if (!version || strcmp(version, STS_PROTO_VERSION) != 0)
		return sts_helper_fail(resp, STS_STATUS_ERROR,
				       "request: unsupported protocol version");
	if (!op)
		return sts_helper_fail(resp, STS_STATUS_ERROR, "request: no op");
	for (size_t i = 0; i < sizeof(dispatch_table) / sizeof(dispatch_table[0]); i++) {
		if (strcmp(op, dispatch_table[i].op) != 0)
			continue;
		if (!elevated)
			return dispatch_table[i].run(req, resp);
		if (dispatch_table[i].run_for_user)
			return dispatch_table[i].run_for_user(req, resp);
		break;
	}
	/* A user learns nothing of the operations beyond those open to users. */
	if (elevated)
		return sts_helper_fail(resp, STS_STATUS_ERROR,
				       "request: only verify and refresh are allowed to users");
	return sts_helper_fail(resp, STS_STATUS_ERROR, "request: unknown op");
}

int sts_helper_handle(const char *in, size_t in_len, bool elevated, char **out, size_t *out_len)
{
	sts_msg req, resp = { 0 };
	sts_error err;
	int rc;

	if (sts_msg_parse(in, in_len, sts_request_keys, &req, &err) < 0) {
		rc = sts_helper_fail(&resp, STS_STATUS_ERROR, err.msg);
	} else {
		rc = dispatch(&req, elevated, &resp);
		sts_msg_free(&req);
	}
	*out = sts_msg_format(&resp, out_len);
	sts_msg_free(&resp);
	return *out ? rc : -1;
}
