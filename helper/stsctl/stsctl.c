/* stsctl: the administrator's and user's tool for pam_sts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stsctl.h"

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
	      "       stsctl mfa [--config FILE] {enroll|import|status|unlock|remove|migrate} ...\n"
	      "                  (stsctl mfa --help for details; root only)\n"
	      "       stsctl init [--config FILE] [--rotate [--keep N]]   (root only)\n"
	      "       stsctl fleet [--config FILE] init | key create|rotate|reseal   (root only)\n"
	      "       stsctl verify [--config FILE] [--credentials-file FILE] [--profile NAME]\n"
	      "                     [--json]\n"
	      "       stsctl authorize --action ACTION --resource ARN [--context KEY=VALUE]...\n"
	      "                        [--config FILE] [--credentials-file FILE] [--profile NAME]\n"
	      "       stsctl check [--config FILE] [--pam-dir DIR]\n"
	      "       stsctl credential-process [--credentials-file FILE] [--profile NAME]\n"
	      "       stsctl credential-process --session NAME [--config FILE]\n"
	      "       stsctl --version\n",
	      out);
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
	if (strcmp(argv[1], "fleet") == 0)
		return stsctl_fleet(argc - 1, argv + 1);
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
