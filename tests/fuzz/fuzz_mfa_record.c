/* libFuzzer target: the MFA store's record parser and its round trip. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "mfa_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sts_mfa_record rec, again;
	sts_error err;
	char *text;

	if (sts_mfa_record_parse((const char *)data, size, "fuzz", &rec, &err) < 0)
		return 0;
	/* What parses must format and parse back to the same record. */
	text = sts_mfa_record_format(&rec);
	if (!text || sts_mfa_record_parse(text, strlen(text), "again", &again, &err) < 0 ||
	    memcmp(&rec, &again, sizeof(rec)) != 0)
		abort();
	sts_free_secret_str(text);
	sts_mfa_record_wipe(&rec);
	sts_mfa_record_wipe(&again);
	return 0;
}
