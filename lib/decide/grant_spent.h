/*
 * A grant (lib/decide/grant.h) opens one session: sts-helper records each grant it
 * opens and refuses one it has opened before, for as long as the grant is
 * valid. The record is on disk, so that it holds in the exec'd helper and
 * across restarts of the resident one:
 *
 *     state_dir/grants/BUCKET/HEX
 *
 * HEX is the SHA-256 of the sealed grant's text (unique: the grant carries a
 * random nonce, and its MAC covers everything else), created with
 * O_CREAT|O_EXCL, so of two opens of one grant racing exactly one creates it.
 * BUCKET is the grant's expiry rounded up to the minute (decimal seconds):
 * every grant in it has expired once the clock reaches BUCKET, and then the
 * whole bucket is removed, by the first grant of a new minute; a login costs
 * one file created, and once a minute a listing of the few buckets of the
 * last grant_ttl seconds, never a listing of every grant.
 * state_dir and the directories below it must be owned by the effective
 * user and closed to others; nothing is followed through a link.
 */
#ifndef STS_GRANT_SPENT_H
#define STS_GRANT_SPENT_H

#include <stdint.h>

#include "base/error.h"

#define STS_GRANT_SPENT_DIR "grants"

/* Records |sealed|, valid until |expires|, as opened, and (when its bucket
 * is new) removes the buckets that expired by |now|. Returns 0 when this is its first open, 1
 * when it was opened before, -1 with |err| set when it cannot be recorded
 * (the caller refuses the grant then too). */
int sts_grant_spend(const char *state_dir, const char *sealed, int64_t expires, int64_t now,
		    sts_error *err);

#endif
