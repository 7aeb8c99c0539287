/* The broker's allowed decisions, kept from op=decide to op=open
 * (see sts_helper_memo.h). */
#include "sts_helper_memo.h"

#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* Logins between their account and session phases at one time: more than a
 * bastion sees; a login that falls out is decided again, nothing fails. */
#define MEMO_SLOTS 64
#define DIGEST_LEN 32

typedef struct {
	bool used;
	unsigned char digest[DIGEST_LEN];
	uid_t uid;
	gid_t gid;
	uint64_t age; /* insertion order, to drop the oldest when full */
	sts_grant grant;
	sts_authz_result decision;
} memo_slot;

static bool memo_on; /* set before the broker's workers start */
/* The broker's workers share the slots: a decision is taken once. */
static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;
static memo_slot slots[MEMO_SLOTS];
static uint64_t insertions;

void sts_memo_enable(void)
{
	memo_on = true;
}

bool sts_memo_enabled(void)
{
	return memo_on;
}

static bool grant_digest(const char *grant, unsigned char out[DIGEST_LEN])
{
	unsigned int len = 0;

	return EVP_Digest(grant, strlen(grant), out, &len, EVP_sha256(), NULL) == 1 &&
	       len == DIGEST_LEN;
}

static void slot_clear(memo_slot *s)
{
	sts_grant_free(&s->grant);
	sts_authz_result_free(&s->decision);
	memset(s, 0, sizeof(*s));
}

/* An empty or expired slot, else the oldest one (emptied). */
static memo_slot *free_slot(int64_t now)
{
	memo_slot *oldest = &slots[0];

	for (size_t i = 0; i < MEMO_SLOTS; i++) {
		memo_slot *s = &slots[i];

		if (s->used && s->grant.expires <= now)
			slot_clear(s);
		if (!s->used)
			return s;
		if (s->age < oldest->age)
			oldest = s;
	}
	slot_clear(oldest);
	return oldest;
}

void sts_memo_put(const char *sealed, int64_t now, uid_t uid, gid_t gid, sts_grant *grant,
		  sts_authz_result *decision)
{
	unsigned char digest[DIGEST_LEN];
	memo_slot *s;

	if (!memo_on || !grant->user || !grant->service || !grant_digest(sealed, digest))
		return;
	pthread_mutex_lock(&memo_lock);
	s = free_slot(now);
	s->used = true;
	memcpy(s->digest, digest, DIGEST_LEN);
	s->uid = uid;
	s->gid = gid;
	s->age = ++insertions;
	s->grant = *grant;
	memset(grant, 0, sizeof(*grant));
	s->decision = *decision;
	memset(decision, 0, sizeof(*decision));
	pthread_mutex_unlock(&memo_lock);
}

/* The checks sts_grant_open makes after the MAC: same user and service, and
 * |now| within the grant's times. */
static bool valid_for(const sts_grant *g, const char *user, const char *service, int64_t now)
{
	return strcmp(g->user, user) == 0 && strcmp(g->service, service) == 0 && now < g->expires &&
	       g->issued <= now;
}

bool sts_memo_take(const char *sealed, const char *user, const char *service, int64_t now,
		   uid_t *uid, gid_t *gid, sts_grant *grant, sts_authz_result *decision)
{
	unsigned char digest[DIGEST_LEN];

	if (!memo_on || !sealed || !user || !service || !grant_digest(sealed, digest))
		return false;
	pthread_mutex_lock(&memo_lock);
	for (size_t i = 0; i < MEMO_SLOTS; i++) {
		memo_slot *s = &slots[i];

		if (!s->used || CRYPTO_memcmp(s->digest, digest, DIGEST_LEN) != 0)
			continue;
		if (!valid_for(&s->grant, user, service, now)) {
			slot_clear(s);
			break;
		}
		*uid = s->uid;
		*gid = s->gid;
		*grant = s->grant;
		memset(&s->grant, 0, sizeof(s->grant));
		*decision = s->decision;
		memset(&s->decision, 0, sizeof(s->decision));
		slot_clear(s);
		pthread_mutex_unlock(&memo_lock);
		return true;
	}
	pthread_mutex_unlock(&memo_lock);
	return false;
}

void sts_memo_clear(void)
{
	pthread_mutex_lock(&memo_lock);
	for (size_t i = 0; i < MEMO_SLOTS; i++)
		slot_clear(&slots[i]);
	pthread_mutex_unlock(&memo_lock);
}
