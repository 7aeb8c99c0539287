/*
 * sts-helper: the small privileged helper behind pam_sts.so, in the manner
 * of pam_unix's unix_chkpwd and OpenSSH's privsep monitor. The module runs
 * it with a clean environment and no arguments, writes one request on its
 * stdin and reads one answer from its stdout (lib/proto/codec.h); the
 * helper holds the issuer key, issues what the grant stands for, mints,
 * writes the session's files and logs the audit record.
 *
 * The operations, their keys and answers are docs/protocol.md's (the words:
 * lib/proto/protocol.h); sts_helper_dispatch.c says which function answers
 * which. Closing a session needs no key: the module removes the directory.
 *
 * `sts-helper --serve` runs the broker, the resident sts-helper: the same
 * requests on a Unix socket, on worker threads (sts_helper_broker.c); both
 * ways in go through sts_helper_handle(), so the broker answers exactly as
 * this process would.
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
#include "base/proc_reset.h"
#include "base/settings.h"
#include "proto/codec.h"
#include "sts_helper_broker.h"
#include "sts_helper_dispatch.h"

#define REQUEST_TIMEOUT_MS 10000
#define HARD_LIMIT_S	   60

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
			 * start a root broker. */
			fprintf(stderr, "sts-helper: --serve: run it as root (systemd), not "
					"through the set-uid bit\n");
			return 2;
		}
		if (argc == 2)
			return sts_broker_main(STS_DEFAULT_CONFIG);
		if (strcmp(argv[2], "--config") == 0)
			return sts_broker_main(argv[3]);
	}
	fprintf(stderr, "sts-helper: run by pam_sts.so and stsctl, not by hand "
			"(or as sts-helper --serve [--config FILE])\n");
	return 2;
}
