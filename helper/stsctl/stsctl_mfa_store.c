/* The MFA store as the stsctl mfa subcommands use it. */
#include "stsctl_mfa_store.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
	if (sts_mfa_backend_open(&ctx->settings, STSCTL_MFA_LOCK_MS, NULL, &ctx->backend, &err) <
	    0) {
		fprintf(stderr, "stsctl mfa: %s (%s in %s)\n", err.msg,
			ctx->settings.mfa_store == STS_MFA_STORE_FILES ? "state_dir" : "mfa_db",
			config);
		return -1;
	}
	ctx->store = sts_mfa_backend_files(ctx->backend);
	return 0;
}

void stsctl_mfa_close(stsctl_mfa_ctx *ctx)
{
	sts_mfa_backend_close(ctx->backend);
	ctx->backend = NULL;
	ctx->store = NULL;
	sts_settings_free(&ctx->settings);
}

bool stsctl_mfa_fleet(const stsctl_mfa_ctx *ctx)
{
	return sts_mfa_backend_is_fleet(ctx->backend);
}

int stsctl_mfa_lock(stsctl_mfa_ctx *ctx, const char *user, sts_mfa_user **handle)
{
	sts_error err;

	if (sts_mfa_backend_begin(ctx->backend, user, handle, &err) < 0) {
		fprintf(stderr, "stsctl mfa: %s\n", err.msg);
		return -1;
	}
	return 0;
}

void stsctl_mfa_unlock(sts_mfa_user *handle)
{
	sts_mfa_backend_end(handle);
}

int stsctl_mfa_read(sts_mfa_user *handle, sts_mfa_record *rec)
{
	sts_error err;
	int rc = sts_mfa_user_read(handle, rec, &err);

	if (rc < 0)
		fprintf(stderr, "stsctl mfa: %s\n", err.msg);
	else if (sts_mfa_user_note(handle))
		fprintf(stderr, "stsctl mfa: note: %s\n", sts_mfa_user_note(handle));
	return rc;
}

int stsctl_mfa_write(sts_mfa_user *handle, const sts_mfa_record *rec)
{
	sts_error err;

	if (sts_mfa_user_put(handle, rec, &err) < 0) {
		fprintf(stderr, "stsctl mfa: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static bool is_record_name(const char *name)
{
	size_t n = strlen(name);

	if (n >= 5 && strcmp(name + n - 5, ".lock") == 0)
		return false;
	if (strstr(name, ".tmp."))
		return false;
	return sts_mfa_user_valid(name);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int stsctl_mfa_list_dir(const char *path, char ***names, size_t *count)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	char **out = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	*names = NULL;
	*count = 0;
	if (!dir) {
		fprintf(stderr, "stsctl mfa: MFA store %s: cannot list: %s\n", path,
			strerror(errno));
		return -1;
	}
	while ((de = readdir(dir))) {
		if (!is_record_name(de->d_name))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **nn = realloc(out, ncap * sizeof(*out));
			if (!nn)
				break;
			out = nn;
			cap = ncap;
		}
		if (!(out[n] = strdup(de->d_name)))
			break;
		n++;
	}
	if (de) {
		fputs("stsctl mfa: out of memory\n", stderr);
		rc = -1;
	}
	closedir(dir);
	if (n > 0)
		qsort(out, n, sizeof(*out), cmp_names);
	*names = out;
	*count = n;
	return rc;
}
