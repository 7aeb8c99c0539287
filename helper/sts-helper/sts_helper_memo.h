/*
 * The broker's memory of the decisions it allowed, from op=decide
 * (the account phase) to op=open (the session phase) of the same login.
 * (GetSessionToken's grant sealed with a passed code,
 * helper/sts-helper/sts_helper_session_grant.c, is decided by op=open itself.)
 *
 * Without it, op=open decides the grant's request again from the files: the
 * user's groups through NSS, every policy and role document. In the broker
 * the decision the grant stands for is still in memory, made by this
 * process a moment earlier; op=open takes it from here instead, and decides
 * again only when it is not here (the exec'd helper, a broker restarted in
 * between, a grant used a second time, or one that fell out of the table).
 *
 * Entries are keyed by the SHA-256 of the sealed grant's text, and only
 * grants sealed here are put in: a hit means this exact grant, so op=open
 * checks its user, service and times against the kept copy instead of
 * opening it again (key, MAC, base64, JSON). An entry is taken out when used
 * and dropped when its grant expires or the table is full.
 * Off until sts_memo_enable() (only `sts-helper --serve` calls it).
 */
#ifndef STS_HELPER_MEMO_H
#define STS_HELPER_MEMO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "decide/authorize.h"
#include "decide/grant.h"

void sts_memo_enable(void);
bool sts_memo_enabled(void);

/* Keeps |grant| and |decision| (both moved: left empty) under the sealed
 * text |sealed|, for a user of |uid| and primary |gid|, until the grant
 * expires; |now| drops expired entries. Does nothing (moves nothing) when
 * the memo is off: op=open then opens the grant and decides again. */
void sts_memo_put(const char *sealed, int64_t now, uid_t uid, gid_t gid, sts_grant *grant,
		  sts_authz_result *decision);

/* Moves what was kept for |sealed| into |grant| and |decision| (and the
 * user's uid and gid) and forgets it. False when there is none, or when it
 * was issued for another |user| or |service| or is not valid at |now| (then
 * it is forgotten too, and op=open's own checks say why). */
bool sts_memo_take(const char *sealed, const char *user, const char *service, int64_t now,
		   uid_t *uid, gid_t *gid, sts_grant *grant, sts_authz_result *decision);

/* Forgets everything (tests). */
void sts_memo_clear(void);

#endif
