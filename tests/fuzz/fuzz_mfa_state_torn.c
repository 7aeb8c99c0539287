/*
 * libFuzzer target: torn login state records (USER.state). The input picks
 * two states, the record on disk (old) and the record being written (full),
 * a cut point, and what lies past the cut: nothing (the file ends there),
 * the old record (an in-place write stopped short), zeros or spaces (a crash
 * before the data reached the disk), or the input's own bytes. Whatever the
 * parser accepts of such a record must be the full record itself, or the old
 * one when the bytes are exactly the old record: a torn record never parses
 * as fewer failures or an earlier lockout than the full one, nor as any other
 * state.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mfa/mfa_store_internal.h"
#include "mfa_state_same.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BOOT "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

/* The input read as numbers, a few bytes at a time; zeros past its end. */
typedef struct {
	const uint8_t *data;
	size_t size, at;
} input;

static uint64_t take(input *in, size_t bytes)
{
	uint64_t v = 0;

	for (size_t i = 0; i < bytes; i++)
		v = (v << 8) | (in->at < in->size ? in->data[in->at++] : 0);
	return v;
}

static sts_mfa_state pick_state(input *in)
{
	sts_mfa_state st;

	memset(&st, 0, sizeof(st));
	memcpy(st.boot_id, BOOT, sizeof(st.boot_id));
	st.device = take(in, 4);
	st.window = (unsigned)(take(in, 1) % 11);
	st.last_step = (int64_t)(take(in, 5) & 0x7fffffffffULL);
	st.failures = (unsigned)(take(in, 3) % 1000001);
	st.failure_start = (int64_t)take(in, 4);
	st.locked_until = (int64_t)take(in, 5);
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char full[STS_MFA_STATE_SIZE], old[STS_MFA_STATE_SIZE], torn[STS_MFA_STATE_SIZE];
	input in = { data, size, 0 };
	sts_mfa_state want = pick_state(&in), was = pick_state(&in), got;
	size_t cut = (size_t)(take(&in, 2) % STS_MFA_STATE_SIZE), len = STS_MFA_STATE_SIZE;
	unsigned tail = (unsigned)(take(&in, 1) % 5);
	sts_error err;

	if (sts_mfa_state_format(&want, full) < 0 || sts_mfa_state_format(&was, old) < 0)
		abort(); /* every picked state is in range */
	memcpy(torn, full, cut);
	switch (tail) {
	case 0: /* the file ends at the cut */
		len = cut;
		break;
	case 1: /* the rest is the old record's */
		memcpy(torn + cut, old + cut, STS_MFA_STATE_SIZE - cut);
		break;
	case 2:
		memset(torn + cut, 0, STS_MFA_STATE_SIZE - cut);
		break;
	case 3:
		memset(torn + cut, ' ', STS_MFA_STATE_SIZE - cut);
		break;
	default:
		for (size_t i = cut; i < STS_MFA_STATE_SIZE; i++)
			torn[i] = (char)take(&in, 1);
		break;
	}
	if (sts_mfa_state_parse(torn, len, "torn", &got, &err) < 0)
		return 0;
	/* Only a record of this release's (checksummed) format is a torn
	 * record of ours: the input's own bytes may spell out one of the
	 * earlier release's whole, which nothing here wrote. */
	if (got.version != 2)
		return 0;
	if (len == STS_MFA_STATE_SIZE && memcmp(torn, full, len) == 0 &&
	    mfa_state_same(&got, &want))
		return 0;
	if (len == STS_MFA_STATE_SIZE && memcmp(torn, old, len) == 0 && mfa_state_same(&got, &was))
		return 0;
	/* Anything else (above all fewer failures or an earlier lockout than
	 * the full record) is a torn record passing for a whole one. */
	abort();
}
