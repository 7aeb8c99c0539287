/* The base identity's credentials: wiping them, and the shape they must have. */
#include "upstream/base_creds.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

void sts_upstream_free_secret(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

void sts_base_creds_clear(sts_base_creds *c)
{
	if (!c)
		return;
	free(c->access_key_id);
	sts_upstream_free_secret(c->secret_access_key);
	sts_upstream_free_secret(c->session_token);
	memset(c, 0, sizeof(*c));
}

int sts_base_creds_value_ok(const char *s, unsigned long max)
{
	size_t len;

	if (!s)
		return 0;
	len = strlen(s);
	if (len == 0 || len > max)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}
