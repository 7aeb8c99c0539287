/* Shared by the MFA state fuzz targets: two login states hold the same fields. */
#ifndef STS_FUZZ_MFA_STATE_SAME_H
#define STS_FUZZ_MFA_STATE_SAME_H

#include <stdbool.h>
#include <string.h>

#include "mfa/mfa_store_internal.h"

static inline bool mfa_state_same(const sts_mfa_state *a, const sts_mfa_state *b)
{
	return strcmp(a->boot_id, b->boot_id) == 0 && a->device == b->device &&
	       a->window == b->window && a->last_step == b->last_step &&
	       a->failures == b->failures && a->failure_start == b->failure_start &&
	       a->locked_until == b->locked_until;
}

#endif
