/* Shared by the token, key ring and credential tests (see token_fixture.c). */
#ifndef STS_TOKEN_FIXTURE_H
#define STS_TOKEN_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "token/token.h"

#define TF_NOW 1800000000LL /* 2027-01-15T08:00:00Z */

/* A ring of two fixed keys: "0a1b2c3d" (current) and "99887766". */
extern const char tf_ring_text[];

/* tf_ring_text parsed (fails the test on error). */
sts_keyring *tf_ring(void);

/* Claims with every field set (malloc'd, so sts_token_claims_free works):
 * AssumeRole, MFA 60 s before |now|, source IP, issued at |now| for an hour,
 * two identity documents and one session document. */
void tf_claims(sts_token_claims *c, int64_t now);

/* Fails the test unless |a| and |b| hold the same claims. */
void tf_assert_claims_equal(const sts_token_claims *a, const sts_token_claims *b);

/*
 * Test-only minting with chosen times (never in shipped code), for the
 * token CLI suite (tests/token/run-token-cli.sh), as
 *   test_token mint --ring FILE --out FILE [--profile NAME] --operation OP
 *        --principal ARN --user NAME [--ip IP] [--mfa T] --issued T --expires T
 *        [--identity NAME=FILE]... [--session NAME=FILE]... [--no-permissions]
 *        [--userid ID]
 * T: seconds since the epoch, or now, now+N, now-N. Writes a shared
 * credentials file (mode 0600) with the section [NAME] (default "default")
 * and prints nothing. Returns the exit status (0, 1 on any error).
 */
int tf_mint_tool(int argc, char **argv);

#endif
