/* The MFA store behind one interface (mfa_backend.h): the dispatch, and the
 * files store's half. */
#include "mfa/mfa_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mfa/fleet_login.h"
#include "mfa/mfa_backend_internal.h"

static int open_files(sts_mfa_backend *b, const sts_settings *s, sts_error *err)
{
	char dir[4096];
	int n = snprintf(dir, sizeof(dir), "%s/mfa", s->state_dir);

	if (n < 0 || (size_t)n >= sizeof(dir))
		return sts_error_set(err, "state_dir is too long");
	if (sts_mfa_store_open(dir, (unsigned)s->totp_window, &b->files, err) < 0)
		return -1;
	sts_mfa_store_set_lockout(b->files, (unsigned)s->lockout_seconds);
	return 0;
}

int sts_mfa_backend_open(const sts_settings *s, unsigned wait_ms, sts_fleet_pool *pool,
			 sts_mfa_backend **out, sts_error *err)
{
	sts_mfa_backend *b = calloc(1, sizeof(*b));
	int rc;

	if (!b)
		return sts_error_set(err, "mfa: out of memory");
	b->wait_ms = wait_ms;
	b->fleet = s->mfa_store == STS_MFA_STORE_POSTGRESQL;
	b->pool = pool;
	rc = b->fleet ? sts_mfa_fleet_open(b, s, err) : open_files(b, s, err);
	if (rc < 0) {
		sts_mfa_backend_close(b);
		return -1;
	}
	*out = b;
	return 0;
}

void sts_mfa_backend_close(sts_mfa_backend *b)
{
	if (!b)
		return;
	if (b->files)
		sts_mfa_store_close(b->files);
	sts_fleet_keyring_wipe(&b->ring);
	OPENSSL_cleanse(b, sizeof(*b));
	free(b);
}

bool sts_mfa_backend_is_fleet(const sts_mfa_backend *b)
{
	return b->fleet;
}

sts_mfa_store *sts_mfa_backend_files(sts_mfa_backend *b)
{
	return b->files;
}

int sts_mfa_backend_begin(sts_mfa_backend *b, const char *user, sts_mfa_user **out, sts_error *err)
{
	sts_mfa_user *u;
	int rc;

	if (!sts_mfa_user_valid(user))
		return sts_error_set(err, "mfa: user name not accepted by pam_sts");
	u = calloc(1, sizeof(*u));
	if (!u)
		return sts_error_set(err, "mfa: out of memory");
	u->b = b;
	snprintf(u->user, sizeof(u->user), "%s", user);
	rc = b->fleet ? sts_mfa_fleet_begin(u, err) :
			sts_mfa_lock_user(b->files, user, b->wait_ms, &u->lock, err);
	if (rc < 0) {
		free(u);
		return -1;
	}
	*out = u;
	return 0;
}

void sts_mfa_backend_end(sts_mfa_user *u)
{
	if (!u)
		return;
	if (u->lock)
		sts_mfa_unlock(u->lock);
	sts_mfa_fleet_end(u);
	free(u);
}

sts_mfa_lock *sts_mfa_user_lock(sts_mfa_user *u)
{
	return u->lock;
}

int sts_mfa_user_read(sts_mfa_user *u, sts_mfa_record *rec, sts_error *err)
{
	if (u->b->fleet)
		return sts_mfa_fleet_read(u, rec, err);
	return sts_mfa_read(u->lock, rec, err);
}

const char *sts_mfa_user_note(const sts_mfa_user *u)
{
	return u->lock ? sts_mfa_state_note(u->lock) : NULL;
}

static void clear_failures(sts_mfa_record *rec)
{
	rec->failures = 0;
	rec->failure_start = 0;
	rec->locked_until = 0;
}

int sts_mfa_user_accept(sts_mfa_user *u, sts_mfa_record *rec, int64_t step, int64_t now,
			sts_error *err)
{
	int rc;

	if (u->b->fleet) {
		rc = sts_fleet_accept_step(u->conn, u->b->db.budget_ms, u->user, step, now, err);
		if (rc == 1) {
			rec->last_step = step;
			clear_failures(rec);
		}
		return rc;
	}
	/* Under the user's lock, the record read is the record on disk. */
	if (step <= rec->last_step || rec->locked_until > now)
		return 0;
	rec->last_step = step;
	clear_failures(rec);
	return sts_mfa_write(u->lock, rec, err) < 0 ? -1 : 1;
}

void sts_mfa_count_failure(sts_mfa_record *rec, const sts_mfa_policy *policy)
{
	if (rec->failures == 0 || rec->locked_until != 0 ||
	    policy->now - rec->failure_start > (int64_t)policy->failure_interval) {
		rec->failures = 0;
		rec->failure_start = policy->now;
		rec->locked_until = 0;
	}
	rec->failures++;
	if (rec->failures >= policy->max_failures) {
		rec->locked_until = policy->now + (int64_t)policy->lockout_seconds;
		rec->failure_start = policy->now;
	}
}

int sts_mfa_user_fail(sts_mfa_user *u, sts_mfa_record *rec, const sts_mfa_policy *policy,
		      sts_error *err)
{
	if (u->b->fleet)
		return sts_mfa_fleet_fail(u, rec, policy, err);
	if (rec->locked_until > policy->now)
		return 0;
	sts_mfa_count_failure(rec, policy);
	return sts_mfa_write(u->lock, rec, err) < 0 ? -1 : 1;
}

int sts_mfa_user_put(sts_mfa_user *u, const sts_mfa_record *rec, sts_error *err)
{
	if (u->b->fleet)
		return sts_fleet_device_put(u->conn, u->b->db.budget_ms, &u->b->ring, u->user, rec,
					    err);
	return sts_mfa_write(u->lock, rec, err);
}

int sts_mfa_user_unlock(sts_mfa_user *u, sts_error *err)
{
	sts_mfa_record rec;
	int rc;

	if (u->b->fleet)
		return sts_fleet_unlock(u->conn, u->b->db.budget_ms, u->user, err);
	memset(&rec, 0, sizeof(rec));
	rc = sts_mfa_read(u->lock, &rec, err);
	if (rc == STS_MFA_FOUND) {
		clear_failures(&rec);
		rc = sts_mfa_write(u->lock, &rec, err) < 0 ? -1 : 1;
	} else if (rc == STS_MFA_NO_DEVICE) {
		rc = 0;
	}
	sts_mfa_record_wipe(&rec);
	return rc;
}

int sts_mfa_user_remove(sts_mfa_user *u, sts_error *err)
{
	if (u->b->fleet)
		return sts_fleet_device_remove(u->conn, u->b->db.budget_ms, u->user, err);
	return sts_mfa_remove(u->lock, err) < 0 ? -1 : 1;
}
