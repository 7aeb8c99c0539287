/*
 * stsctl check for issuer = aws: the endpoints by lib/upstream's rules, the
 * CA and keys files, iam_user_dir, and each PAM line's operation against
 * what the base identity can call (GetFederationToken needs an IAM user's
 * keys; role credentials, such as the instance profile's, cannot call it).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upstream/base_creds_file.h"
#include "upstream/http.h"
#include "upstream/issuer_aws.h"
#include "stsctl_check.h"

/* Whether the base identity holds role (session) credentials: always for
 * IMDS; for a file, when it carries aws_session_token. -1: unreadable. */
static int base_is_role(const sts_settings *s, sts_error *err)
{
	sts_base_creds base;
	int role;

	if (s->upstream_credentials == STS_UPSTREAM_IMDS)
		return 1;
	if (sts_base_creds_from_file(s->upstream_credentials_file, s->upstream_profile, &base,
				     err) < 0)
		return -1;
	role = base.session_token != NULL;
	sts_base_creds_clear(&base);
	return role;
}

static void check_dir_private(check_ctx *c, const char *key, const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) < 0)
		stsctl_check_fault(c, "%s: %s %s: %s", c->config, key, dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()) ||
		 (st.st_mode & 077))
		stsctl_check_fault(c, "%s: %s %s: must be a directory of root's, mode 0700",
				   c->config, key, dir);
	else
		stsctl_check_passed(c);
}

void stsctl_check_upstream(check_ctx *c)
{
	char endpoint[512];
	sts_error err;

	if (c->s.issuer != STS_ISSUER_AWS)
		return;
	if (sts_issuer_aws_endpoint(&c->s, endpoint, sizeof(endpoint), &err) < 0)
		stsctl_check_fault(c, "%s: sts_endpoint: %s", c->config, err.msg);
	else
		stsctl_check_passed(c);
	if (c->s.sts_ca_file && access(c->s.sts_ca_file, R_OK) < 0)
		stsctl_check_fault(c, "%s: sts_ca_file %s: %s", c->config, c->s.sts_ca_file,
				   strerror(errno));
	if (c->s.upstream_credentials == STS_UPSTREAM_IMDS) {
		if (sts_http_url_check(c->s.imds_endpoint, STS_URL_HTTP_IP, &err) < 0)
			stsctl_check_fault(c, "%s: imds_endpoint: %s", c->config, err.msg);
		else
			stsctl_check_passed(c);
	} else if (base_is_role(&c->s, &err) < 0) {
		stsctl_check_fault(c, "%s: upstream_credentials_file: %s", c->config, err.msg);
	} else {
		stsctl_check_passed(c);
	}
}

void stsctl_check_upstream_op(check_ctx *c, const sts_settings *s, const char *where,
			      sts_operation op)
{
	sts_error err;

	if (s->issuer != STS_ISSUER_AWS)
		return;
	if (op == STS_OP_SESSION) {
		/* Signed with the user's own keys (iam_user_dir/USER). */
		check_dir_private(c, "iam_user_dir", s->iam_user_dir);
		return;
	}
	if (op == STS_OP_FEDERATE && base_is_role(s, &err) == 1)
		stsctl_check_fault(
			c,
			"%s: GetFederationToken with issuer = aws needs an IAM user's "
			"keys as the base identity (upstream_credentials = file without "
			"aws_session_token); %s gives role credentials, which STS refuses",
			where,
			s->upstream_credentials == STS_UPSTREAM_IMDS ?
				"upstream_credentials = imds (the instance profile)" :
				"upstream_credentials_file");
	else
		stsctl_check_passed(c);
}
