/* The resident helper's memory of allowed decisions (helper/sts-helper/sts_helper_memo.c):
 * off unless enabled, one use per grant, bound to the exact grant text,
 * dropped at expiry, bounded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sts_helper_memo.h"
#include "testutil.h"

#define NOW 1700000000

/* An allowed decision whose principal names |tag|. */
static sts_authz_result decision(const char *tag)
{
	sts_authz_result r;
	char arn[128];

	memset(&r, 0, sizeof(r));
	r.decision = STS_ALLOWED;
	snprintf(arn, sizeof(arn), "arn:aws:iam::123456789012:user/%s", tag);
	r.principal_arn = strdup(arn);
	assert_non_null(r.principal_arn);
	snprintf(r.reason, sizeof(r.reason), "decided for %s", tag);
	return r;
}

/* A grant of |user| for service "sshd", issued at NOW, expiring at |expires|. */
static sts_grant grant_of(const char *user, int64_t expires)
{
	sts_grant g;

	memset(&g, 0, sizeof(g));
	g.user = strdup(user);
	g.service = strdup("sshd");
	g.target = strdup("UpdateAPP");
	g.op = STS_OP_ASSUME_ROLE;
	g.issued = NOW;
	g.expires = expires;
	assert_true(g.user && g.service && g.target);
	return g;
}

/* Puts |in| with a grant of "alice" expiring at |expires| under |sealed|. */
static void put(const char *sealed, int64_t now, uid_t uid, gid_t gid, int64_t expires,
		sts_authz_result *in)
{
	sts_grant g = grant_of("alice", expires);

	sts_memo_put(sealed, now, uid, gid, &g, in);
	sts_grant_free(&g); /* a no-op when it was taken */
}

/* Takes what is kept for |sealed| for alice on sshd at |now|. */
static bool take(const char *sealed, int64_t now, uid_t *uid, gid_t *gid, sts_authz_result *out)
{
	sts_grant g;
	bool hit = sts_memo_take(sealed, "alice", "sshd", now, uid, gid, &g, out);

	if (hit) {
		assert_string_equal(g.user, "alice");
		assert_string_equal(g.target, "UpdateAPP");
		sts_grant_free(&g);
	}
	return hit;
}

static int reset(void **state)
{
	(void)state;
	sts_memo_clear();
	return 0;
}

static void test_off_until_enabled(void **state)
{
	sts_authz_result in = decision("alice"), out;
	uid_t uid = 0;
	gid_t gid = 0;

	(void)state;
	assert_false(sts_memo_enabled());
	put("g1.a.b", NOW, 1000, 1000, NOW + 60, &in);
	assert_non_null(in.principal_arn); /* not taken: the caller still owns it */
	assert_false(take("g1.a.b", NOW, &uid, &gid, &out));
	sts_authz_result_free(&in);
	sts_memo_enable();
	assert_true(sts_memo_enabled());
}

static void test_taken_once(void **state)
{
	sts_authz_result in = decision("alice"), out;
	uid_t uid = 0;
	gid_t gid = 0;

	(void)state;
	put("g1.alice.mac", NOW, 1001, 1002, NOW + 60, &in);
	assert_null(in.principal_arn); /* moved into the memo */
	assert_true(take("g1.alice.mac", NOW + 1, &uid, &gid, &out));
	assert_int_equal(uid, 1001);
	assert_int_equal(gid, 1002);
	assert_int_equal(out.decision, STS_ALLOWED);
	assert_string_equal(out.principal_arn, "arn:aws:iam::123456789012:user/alice");
	assert_string_equal(out.reason, "decided for alice");
	sts_authz_result_free(&out);
	/* A grant used again is decided again from the files. */
	assert_false(take("g1.alice.mac", NOW + 1, &uid, &gid, &out));
}

static void test_exact_grant_only(void **state)
{
	sts_authz_result in = decision("bob"), out;
	uid_t uid = 0;
	gid_t gid = 0;

	(void)state;
	put("g1.bob.mac", NOW, 1, 1, NOW + 60, &in);
	assert_false(take("g1.bob.maC", NOW, &uid, &gid, &out));
	assert_false(take("g1.bob.ma", NOW, &uid, &gid, &out));
	assert_false(take("", NOW, &uid, &gid, &out));
	assert_true(take("g1.bob.mac", NOW, &uid, &gid, &out));
	sts_authz_result_free(&out);
}

static void test_expired_dropped(void **state)
{
	sts_authz_result in = decision("carol"), out;
	uid_t uid = 0;
	gid_t gid = 0;

	(void)state;
	put("g1.carol.mac", NOW, 1, 1, NOW + 60, &in);
	assert_false(take("g1.carol.mac", NOW + 60, &uid, &gid, &out));
	/* and it is gone, not merely refused at that time */
	assert_false(take("g1.carol.mac", NOW, &uid, &gid, &out));
}

/* Kept for alice on sshd: not for bob, not for another service, and not
 * before it was issued; a mismatch forgets it (op=open then opens the grant
 * itself and says why). */
static void test_bound_to_user_and_service(void **state)
{
	sts_authz_result in = decision("alice"), out;
	sts_grant g;
	uid_t uid = 0;
	gid_t gid = 0;

	(void)state;
	put("g1.x", NOW, 1, 1, NOW + 60, &in);
	assert_false(sts_memo_take("g1.x", "bob", "sshd", NOW, &uid, &gid, &g, &out));
	assert_false(take("g1.x", NOW, &uid, &gid, &out));
	in = decision("alice");
	put("g1.y", NOW, 1, 1, NOW + 60, &in);
	assert_false(sts_memo_take("g1.y", "alice", "sudo", NOW, &uid, &gid, &g, &out));
	assert_false(take("g1.y", NOW, &uid, &gid, &out));
	in = decision("alice");
	put("g1.z", NOW, 1, 1, NOW + 60, &in);
	assert_false(take("g1.z", NOW - 1, &uid, &gid, &out));
	assert_false(sts_memo_take(NULL, "alice", "sshd", NOW, &uid, &gid, &g, &out));
}

/* A full table drops its oldest entry; the others stay. */
static void test_bounded(void **state)
{
	char grant[64];
	int kept = 0;

	(void)state;
	for (int i = 0; i < 65; i++) {
		sts_authz_result in = decision("many");

		snprintf(grant, sizeof(grant), "g1.grant-%d", i);
		put(grant, NOW, (uid_t)i, 0, NOW + 60, &in);
	}
	for (int i = 0; i < 65; i++) {
		sts_authz_result out;
		uid_t uid = 0;
		gid_t gid = 0;
		bool hit;

		snprintf(grant, sizeof(grant), "g1.grant-%d", i);
		hit = take(grant, NOW, &uid, &gid, &out);
		if (i == 0) {
			assert_false(hit); /* the oldest went */
			continue;
		}
		assert_true(hit);
		assert_int_equal(uid, (uid_t)i);
		sts_authz_result_free(&out);
		kept++;
	}
	assert_int_equal(kept, 64);
}

/* Expired entries make room before live ones are dropped. */
static void test_expired_make_room(void **state)
{
	char grant[64];
	sts_authz_result in = decision("late"), out;
	uid_t uid = 0;
	gid_t gid = 0;

	(void)state;
	put("g1.keep", NOW, 7, 7, NOW + 600, &in);
	for (int i = 0; i < 63; i++) {
		sts_authz_result old = decision("old");

		snprintf(grant, sizeof(grant), "g1.old-%d", i);
		put(grant, NOW, 0, 0, NOW + 10, &old);
	}
	for (int i = 0; i < 10; i++) {
		sts_authz_result fresh = decision("fresh");

		snprintf(grant, sizeof(grant), "g1.fresh-%d", i);
		put(grant, NOW + 20, 0, 0, NOW + 80, &fresh);
	}
	assert_true(take("g1.keep", NOW + 20, &uid, &gid, &out));
	assert_int_equal(uid, 7);
	sts_authz_result_free(&out);
	assert_true(take("g1.fresh-9", NOW + 20, &uid, &gid, &out));
	sts_authz_result_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_until_enabled),
		cmocka_unit_test_setup_teardown(test_taken_once, reset, reset),
		cmocka_unit_test_setup_teardown(test_exact_grant_only, reset, reset),
		cmocka_unit_test_setup_teardown(test_expired_dropped, reset, reset),
		cmocka_unit_test_setup_teardown(test_bound_to_user_and_service, reset, reset),
		cmocka_unit_test_setup_teardown(test_bounded, reset, reset),
		cmocka_unit_test_setup_teardown(test_expired_make_room, reset, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
