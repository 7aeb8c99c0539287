/* The MFA store as the stsctl mfa subcommands use it. */
#include "stsctl_mfa_store.h"

#include <stdio.h>
#include <string.h>

int stsctl_mfa_open(stsctl_mfa_ctx *ctx, const char *config)
{
	sts_error err;
	int n;

	memset(ctx, 0, sizeof(*ctx));
	if (sts_settings_load(config, &ctx->settings, &err) < 0) {
		fprintf(stderr, "stsctl mfa: %s\n", err.msg);
		return -1;
	}
	n = snprintf(ctx->store_dir, sizeof(ctx->store_dir), "%s/mfa", ctx->settings.state_dir);
	if (n < 0 || (size_t)n >= sizeof(ctx->store_dir)) {
		fprintf(stderr, "stsctl mfa: %s: state_dir is too long\n", config);
		return -1;
	}
	if (sts_mfa_store_open(ctx->store_dir, (unsigned)ctx->settings.totp_window, &ctx->store,
			       &err) < 0) {
		fprintf(stderr, "stsctl mfa: %s (state_dir in %s)\n", err.msg, config);
		return -1;
	}
	sts_mfa_store_set_lockout(ctx->store, (unsigned)ctx->settings.lockout_seconds);
	return 0;
}

void stsctl_mfa_close(stsctl_mfa_ctx *ctx)
{
	if (ctx->store)
		sts_mfa_store_close(ctx->store);
	ctx->store = NULL;
	sts_settings_free(&ctx->settings);
}

int stsctl_mfa_lock(stsctl_mfa_ctx *ctx, const char *user, sts_mfa_lock **lock)
{
	sts_error err;

	if (sts_mfa_lock_user(ctx->store, user, STSCTL_MFA_LOCK_MS, lock, &err) < 0) {
		fprintf(stderr, "stsctl mfa: %s\n", err.msg);
		return -1;
	}
	return 0;
}

int stsctl_mfa_read(sts_mfa_lock *lock, sts_mfa_record *rec)
{
	sts_error err;
	int rc = sts_mfa_read(lock, rec, &err);

	if (rc < 0)
		fprintf(stderr, "stsctl mfa: %s\n", err.msg);
	else if (sts_mfa_state_note(lock))
		fprintf(stderr, "stsctl mfa: note: %s\n", sts_mfa_state_note(lock));
	return rc;
}

int stsctl_mfa_write(sts_mfa_lock *lock, const sts_mfa_record *rec)
{
	sts_error err;

	if (sts_mfa_write(lock, rec, &err) < 0) {
		fprintf(stderr, "stsctl mfa: %s\n", err.msg);
		return -1;
	}
	return 0;
}
