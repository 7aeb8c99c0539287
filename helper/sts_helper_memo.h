/*
 * The resident helper's memory of the decisions it allowed, from op=decide
 * (the account phase) to op=open (the session phase) of the same login.
 *
 * op=open used to decide the grant's request again from the files: the
 * user's groups through NSS, every policy and role document. In the resident
 * helper the decision the grant stands for is still in memory, made by this
 * process a moment earlier; op=open takes it from here instead, and decides
 * again only when it is not here (the exec'd helper, a broker restarted in
 * between, a grant used a second time, or one that fell out of the table).
 *
 * Entries are keyed by the SHA-256 of the sealed grant's text: op=open
 * looks one up only after the grant's MAC, user, service and expiry were
 * verified, so a hit means this exact grant, sealed here. An entry is taken
 * out when used and dropped when its grant expires or the table is full.
 * Off until sts_memo_enable() (only `sts-helper --serve` calls it).
 */
#ifndef STS_HELPER_MEMO_H
#define STS_HELPER_MEMO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "authorize.h"

void sts_memo_enable(void);
bool sts_memo_enabled(void);

/* Keeps |decision| (moved: |*decision| is left empty) for the grant |grant|
 * of a user (uid, primary gid) until |expires|; |now| drops expired entries.
 * Does nothing when the memo is off: op=open then decides again. */
void sts_memo_put(const char *grant, int64_t now, uid_t uid, gid_t gid, int64_t expires,
		  sts_authz_result *decision);

/* Moves the decision kept for |grant| into |out| (and the user's uid and gid)
 * and forgets it; false when there is none (or it expired at |now|). */
bool sts_memo_take(const char *grant, int64_t now, uid_t *uid, gid_t *gid, sts_authz_result *out);

/* Forgets everything (tests). */
void sts_memo_clear(void);

#endif
