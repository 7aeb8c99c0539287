/* stsctl: the administrator's and user's tool for pam_sts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/log_field.h"
#include "policy/policy.h"
#include "stsctl.h"

#define POLICY_FILE_MAX (1u << 20)
#ifndef STS_VERSION
/* The Makefile defines it from debian/changelog; this is for other builds
 * of the file (the linters). */
#define STS_VERSION "unknown"
#endif

static void usage(FILE *out)
{
	fputs("usage: stsctl simulate [--policy FILE]... [--session-policy FILE]... [--boundary FILE]\n"
	      "                       --action ACTION --resource ARN [--principal ARN]\n"
	      "                       [--context KEY=VALUE]...\n"
	      "       stsctl validate FILE...\n"
	      "       stsctl mfa [--config FILE] {enroll|import|status|unlock|remove} ...\n"
	      "                  (stsctl mfa --help for details; root only)\n"
	      "       stsctl init [--config FILE] [--rotate [--keep N]]   (root only)\n"
	      "       stsctl verify [--config FILE] [--credentials-file FILE] [--profile NAME]\n"
	      "                     [--json]\n"
	      "       stsctl authorize --action ACTION --resource ARN [--context KEY=VALUE]...\n"
	      "                        [--config FILE] [--credentials-file FILE] [--profile NAME]\n"
	      "       stsctl check [--config FILE] [--pam-dir DIR]\n"
	      "       stsctl credential-process [--credentials-file FILE] [--profile NAME]\n"
	      "       stsctl --version\n",
	      out);
}

/* A policy's error quotes its text (a key, a value): kept on one line and
 * free of terminal escapes, the document may be anyone's. */
void stsctl_print_error(const sts_error *err)
{
	char one_line[sizeof(err->msg) * 4];

	fprintf(stderr, "stsctl: %s\n", sts_log_text(one_line, sizeof(one_line), err->msg));
}

int stsctl_load_policy(const char *path, int kind, sts_policy **out)
{
	sts_error err;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (sts_read_file(path, POLICY_FILE_MAX, 0, &text, &len, &err) < 0) {
		stsctl_print_error(&err);
		return -1;
	}
	rc = sts_policy_parse(text, len, path, (sts_doc_kind)kind, out, &err);
	free(text);
	if (rc < 0)
		stsctl_print_error(&err);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return STSCTL_USAGE;
	}
	if (strcmp(argv[1], "simulate") == 0)
		return stsctl_simulate(argc - 1, argv + 1);
	if (strcmp(argv[1], "validate") == 0)
		return stsctl_validate(argc - 1, argv + 1);
	if (strcmp(argv[1], "mfa") == 0)
		return stsctl_mfa(argc - 1, argv + 1);
	if (strcmp(argv[1], "init") == 0)
		return stsctl_init(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return stsctl_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "authorize") == 0)
		return stsctl_authorize(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return stsctl_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "credential-process") == 0)
		return stsctl_credential_process(argc - 1, argv + 1);
	if (strcmp(argv[1], "--version") == 0) {
		puts("stsctl (pam_sts) " STS_VERSION);
		return STSCTL_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return STSCTL_OK;
	}
	fprintf(stderr, "stsctl: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return STSCTL_USAGE;
}
