/*
 * sts-helper: the small privileged helper behind pam_sts.so, in the manner
 * of pam_unix's unix_chkpwd and OpenSSH's privsep monitor. The module runs
 * it with a clean environment and no arguments, writes one request on its
 * stdin and reads one answer from its stdout (lib/proto/codec.h); the
 * helper holds the issuer key, issues what the grant stands for, mints,
 * writes the session's files and logs the audit record.
 *
 * Requests (key=value lines):
 *   version=1, op=mfa|decide|roles|open|verify, config=FILE (honoured
 *   only when the helper is not running elevated by a set-uid bit), and per op:
 *   mfa:    user, code, service, rhost, source_ip (helper/sts-helper/sts_helper_mfa.c; a
 *           passed code's answer carries GetSessionToken's grant:
 *           helper/sts-helper/sts_helper_session_grant.c)
 *   decide: user, service, rhost, source_ip, mfa_time, operation, target,
 *           session_name, duration, session_policy, session_policy_text;
 *           or, for action=requested, app_request (the application's JSON,
 *           read by helper/sts-helper/sts_helper_request.c) and session_policy
 *           (helper/sts-helper/sts_helper_decide.c)
 *   roles:  user, service, source_ip, mfa_time
 *   open:   user, service, rhost, grant, profile, secrets=yes|no, session
 *           (the session directory's name, chosen by the module), pid (the
 *           process opening the session: lib/base/session_reap.h)
 *   verify: access_key_id, secret_access_key, session_token
 * (Closing a session needs no key: the module removes the directory.)
 * Answers: status=ok|denied|error, message, and the op's results.
 *
 * `sts-helper --serve` answers the same requests on a Unix socket, on
 * worker threads (helper/sts-helper/sts_helper_serve.c); both paths go through
 * sts_helper_handle(), so the broker answers exactly as this process would.
 *
 * If the helper is ever installed set-uid (so that users can verify their
 * own credentials), a caller whose real uid differs from the effective one
 * may only verify, with the default configuration.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/log_field.h"
#include "base/proc_reset.h"
#include "base/settings.h"
#include "sts_helper.h"

#define REQUEST_TIMEOUT_MS 10000
#define HARD_LIMIT_S	   60

int sts_helper_fail(sts_msg *resp, const char *status, const char *message)
{
	char one_line[STS_LOG_FIELD_MAX];

	/* the message may quote a name from the request: kept on one line for
	 * the log and for the answer, whose protocol is one field a line */
	sts_log_text(one_line, sizeof(one_line), message);
	syslog(strcmp(status, "denied") == 0 ? LOG_NOTICE : LOG_ERR, "%s", one_line);
	sts_msg_add(resp, "status", status);
	sts_msg_add(resp, "message", one_line);
	return -1;
}

static int dispatch(const sts_msg *req, bool elevated, sts_msg *resp)
{
	const char *op = sts_msg_get(req, "op");
	const char *version = sts_msg_get(req, "version");

	if (!version || strcmp(version, STS_PROTO_VERSION) != 0)
		return sts_helper_fail(resp, "error", "request: unsupported protocol version");
	if (!op)
		return sts_helper_fail(resp, "error", "request: no op");
	if (strcmp(op, "verify") == 0)
		return sts_helper_verify(req, elevated, resp);
	if (elevated)
		return sts_helper_fail(resp, "error", "request: only verify is allowed to users");
	if (strcmp(op, "open") == 0)
		return sts_helper_open(req, resp);
	if (strcmp(op, "mfa") == 0)
		return sts_helper_mfa(req, resp);
	if (strcmp(op, "decide") == 0)
		return sts_helper_decide(req, resp);
	if (strcmp(op, "roles") == 0)
		return sts_helper_roles(req, resp);
	return sts_helper_fail(resp, "error", "request: unknown op");
}

int sts_helper_handle(const char *in, size_t in_len, bool elevated, char **out, size_t *out_len)
{
	sts_msg req, resp = { 0 };
	sts_error err;
	int rc;

	if (sts_msg_parse(in, in_len, sts_request_keys, &req, &err) < 0) {
		rc = sts_helper_fail(&resp, "error", err.msg);
	} else {
		rc = dispatch(&req, elevated, &resp);
		sts_msg_free(&req);
	}
	*out = sts_msg_format(&resp, out_len);
	sts_msg_free(&resp);
	return *out ? rc : -1;
}

/* The exec'd helper: one request on stdin, one answer on stdout. */
static int run_once(bool elevated)
{
	char *in = NULL, *out = NULL;
	size_t in_len = 0, out_len = 0;
	sts_error err;
	int rc;

	alarm(HARD_LIMIT_S); /* a helper never outlives a stuck caller for long */
	if (sts_read_fd_until(STDIN_FILENO, STS_MSG_MAX, sts_monotonic_ms() + REQUEST_TIMEOUT_MS,
			      &in, &in_len, &err) < 0) {
		syslog(LOG_ERR, "request: %s", err.msg);
		return 2;
	}
	rc = sts_helper_handle(in, in_len, elevated, &out, &out_len);
	sts_free_secret(in, in_len);
	if (!out || sts_write_fd_until(STDOUT_FILENO, out, out_len,
				       sts_monotonic_ms() + REQUEST_TIMEOUT_MS, &err) < 0)
		rc = -1;
	if (out)
		sts_free_secret(out, out_len);
	return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	bool elevated = getuid() != geteuid() || getgid() != getegid();

	/* Nothing in sts-helper changes its credentials: the owner checks
	 * may use this uid instead of asking the kernel per file. */
	sts_euid_pin();
	umask(077);
	/* Whoever ran us (a set-uid application's user, through the module)
	 * chose none of our limits or signals: a cut RLIMIT_FSIZE must not stop
	 * a write of the login state short. The module resets them before the
	 * exec too; this holds for any other way in. */
	sts_proc_reset_limits();
	sts_proc_reset_signals();
	signal(SIGPIPE, SIG_IGN);
	/* Where a limit could not be raised (root without CAP_SYS_RESOURCE), a
	 * write past it fails with EFBIG instead of killing us half-way: the
	 * store then removes its temporary file and the request fails closed. */
	signal(SIGXFSZ, SIG_IGN);
	openlog("sts-helper", LOG_PID, LOG_AUTHPRIV);
	if (argc == 1)
		return run_once(elevated);
	if (strcmp(argv[1], "--serve") == 0 && (argc == 2 || argc == 4)) {
		if (elevated) {
			/* Installed set-uid for users' verify: a user may not
			 * start a root server. */
			fprintf(stderr, "sts-helper: --serve: run it as root (systemd), not "
					"through the set-uid bit\n");
			return 2;
		}
		if (argc == 2)
			return sts_helper_serve(STS_DEFAULT_CONFIG);
		if (strcmp(argv[2], "--config") == 0)
			return sts_helper_serve(argv[3]);
	}
	fprintf(stderr, "sts-helper: run by pam_sts.so and stsctl, not by hand "
			"(or as sts-helper --serve [--config FILE])\n");
	return 2;
}
