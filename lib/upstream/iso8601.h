/* The timestamps STS and IMDS answer with, as seconds since the epoch. */
#ifndef STS_UPSTREAM_ISO8601_H
#define STS_UPSTREAM_ISO8601_H

#include <stdint.h>

/*
 * "2019-07-15T23:28:33Z" or "2019-07-15T23:28:33.359Z" (UTC only, the form
 * STS's Expiration and IMDS's Expiration take; a fraction is dropped).
 * Returns 0 with *out set, or -1 for anything else, out-of-range fields
 * included.
 */
int sts_iso8601_parse(const char *text, int64_t *out);

#endif
