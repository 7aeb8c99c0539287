/* Internals of stsctl check, shared by its files. */
#ifndef STSCTL_CHECK_H
#define STSCTL_CHECK_H

#include "base/error.h"
#include "base/settings.h"
#include "proto/operation.h"

typedef struct {
	sts_settings s;	    /* the configuration being checked */
	const char *config; /* the file it came from */
	unsigned faults, checked;
} check_ctx;

/* One fault: printed as "FAULT <message>" and counted; one check passed
 * (helper/stsctl/stsctl_check_report.c). */
void stsctl_check_fault(check_ctx *c, const char *fmt, ...) STS_PRINTF(2, 3);
void stsctl_check_passed(check_ctx *c);

/* Every check of one configuration: c->s, read from c->config
 * (helper/stsctl/stsctl_check_config.c). */
void stsctl_check_config(check_ctx *c);

/* The directories a login needs before anything is issued: policy_dir and
 * state_dir (helper/stsctl/stsctl_check_dirs.c). Each fault names the
 * configuration file, the key's line and its value. */
void stsctl_check_login_dirs(check_ctx *c);

/* With mfa_store = postgresql: the fleet key file, the connection and the
 * schema version (helper/stsctl/stsctl_check_fleet.c). */
void stsctl_check_fleet(check_ctx *c);

/* "CONFIG:LINE: KEY = VALUE" (or "CONFIG: KEY (default VALUE)" when the
 * file does not set it) into |out|: where a configured value comes from. */
void stsctl_check_key_place(const char *config, const char *key, const char *value, char *out,
			    size_t cap);

/* Every pam_sts.so line of the service files in |dir|, with the module's
 * own argument parser, against the configuration it names
 * (helper/stsctl/stsctl_check_pam.c). */
void stsctl_check_pam_dir(check_ctx *c, const char *dir);

/* issuer = aws: the upstream keys, and whether the base identity can call
 * |op| for the PAM line at |where| (helper/stsctl/stsctl_check_upstream.c). */
void stsctl_check_upstream(check_ctx *c);
void stsctl_check_upstream_op(check_ctx *c, const sts_settings *s, const char *where,
			      sts_operation op);

#endif
