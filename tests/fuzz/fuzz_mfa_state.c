/*
 * libFuzzer target: the MFA store's login state parser (USER.state, read
 * after crashes, so torn and arbitrary bytes are its normal input) and its
 * round trip: what parses must format to exactly the fixed size and parse
 * back to the same state; the rebuild of any parsed state must refuse
 * everything up to the step of |since| plus the window, keep an intact
 * record's failures and lockout, and lock a torn one out.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mfa/mfa_store_internal.h"
#include "mfa_state_same.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[STS_MFA_STATE_SIZE];
	sts_mfa_state st, again;
	sts_error err;
	int64_t since = 1800000000;

	if (sts_mfa_state_parse((const char *)data, size, "fuzz", &st, &err) < 0)
		return 0;
	if (sts_mfa_state_format(&st, text) < 0 ||
	    sts_mfa_state_parse(text, sizeof(text), "again", &again, &err) < 0 ||
	    !mfa_state_same(&st, &again))
		abort();
	for (int f = STS_MFA_STATE_OTHER_BOOT; f <= STS_MFA_STATE_MISSING; f++) {
		bool intact = f == STS_MFA_STATE_OTHER_BOOT || f == STS_MFA_STATE_OTHER_DEVICE;

		again = st;
		sts_mfa_state_rebuild(&again, (sts_mfa_state_fault)f, 30, 1, since, since + 900);
		if (again.last_step < since / 30 + 1 ||
		    (f == STS_MFA_STATE_OTHER_BOOT && again.last_step < st.last_step))
			abort();
		/* An intact record keeps its count and lockout; a torn one is locked. */
		if (intact &&
		    (again.failures != st.failures || again.locked_until != st.locked_until))
			abort();
		if (f == STS_MFA_STATE_TORN &&
		    (again.failures != 0 || again.locked_until != since + 900))
			abort();
	}
	return 0;
}
