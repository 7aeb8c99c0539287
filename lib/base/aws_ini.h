/*
 * The AWS shared-credentials file's INI (the subset the SDKs and our
 * session files use): `[name]` headers, `key = value` lines, blank lines
 * and lines starting with '#' or ';'. Strict: a duplicated section or key,
 * a continuation line or any other line is an error naming the file and
 * the line. Used for the credentials users present (lib/token) and for the
 * base identity's keys (lib/upstream).
 */
#ifndef STS_BASE_AWS_INI_H
#define STS_BASE_AWS_INI_H

#include <stddef.h>

#include "base/error.h"

/* sts_aws_ini_profile's return when the text has no such section. */
#define STS_AWS_INI_NO_SECTION 1

/*
 * Finds the values of the NULL-terminated |keys| (compared without case,
 * as the SDKs do) in section [|profile|] (NULL or "": "default") of |len|
 * bytes of |text|, named |label| in messages. values[i] points into |text|
 * (not NUL-terminated, trimmed) with length lens[i], or is NULL when the
 * key is absent; other keys are ignored. Returns 0,
 * STS_AWS_INI_NO_SECTION (with |err| set), or -1.
 */
int sts_aws_ini_profile(const char *text, size_t len, const char *label, const char *profile,
			const char *const *keys, const char **values, size_t *lens, sts_error *err);

#endif
