/* One request, as both ways in serve it: the exec'd helper on its stdin
 * (sts_helper.c) and the broker on a connection (sts_helper_pool.c). */
#ifndef STS_HELPER_DISPATCH_H
#define STS_HELPER_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Parses |in|, runs the operation its op= names (the dispatch table in
 * sts_helper_dispatch.c), and puts the wire answer in |*out| (malloc'd; wipe
 * it with sts_free_secret). |elevated|: run through a set-uid bit, so only
 * the operations open to users run. Returns 0 when the answer is status=ok,
 * -1 otherwise; |*out| is NULL only when out of memory. Reads the
 * configuration, the keys and the policies on every call; in the broker
 * pam_sts.conf, the issuer key ring and the grant key come from
 * lib/base/file_cache.h while their stat is unchanged, and op=open takes the
 * decision op=decide made for its grant (sts_helper_memo.h).
 */
int sts_helper_handle(const char *in, size_t in_len, bool elevated, char **out, size_t *out_len);

#endif
