/*
 * libFuzzer target: the MFA store's device file parser (formats 1 and 2) and
 * its round trip: what parses must format (as format 2, the device only) and
 * parse back to the same device, with no login state left in it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "mfa/mfa_store.h"
#include "mfa/mfa_store_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sts_mfa_record rec, again;
	sts_error err;
	bool format1, format1_again;
	char *text;

	if (sts_mfa_device_parse((const char *)data, size, "fuzz", &rec, &format1, &err) < 0)
		return 0;
	/* Only format 1 may carry login state. */
	if (!format1 && (rec.last_step || rec.failures || rec.failure_start || rec.locked_until))
		abort();
	text = sts_mfa_record_format(&rec);
	if (!text ||
	    sts_mfa_device_parse(text, strlen(text), "again", &again, &format1_again, &err) < 0 ||
	    format1_again || !sts_mfa_device_equal(&rec, &again) || again.last_step ||
	    again.failures || again.failure_start || again.locked_until)
		abort();
	sts_free_secret_str(text);
	sts_mfa_record_wipe(&rec);
	sts_mfa_record_wipe(&again);
	return 0;
}
