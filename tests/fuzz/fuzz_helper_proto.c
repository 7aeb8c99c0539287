/* libFuzzer target: the helper's pipe protocol (what sts-helper reads from
 * its caller and what the module reads back) and the grant it carries. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decide/grant.h"
#include "proto/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const keys[] = { "version", "op",	  "config",  "user",	"service",
				    "rhost",   "grant",	  "profile", "secrets", "status",
				    "message", "session", NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[STS_GRANT_KEY_LEN] = "fuzzing-key-fuzzing-key-fuzzing";
	sts_msg msg;
	sts_error err;
	sts_grant g;
	char *text;
	size_t len = 0;

	if (sts_msg_parse((const char *)data, size, keys, &msg, &err) == 0) {
		/* A parsed message formats back to something that parses the same. */
		char *wire = sts_msg_format(&msg, &len);
		sts_msg again;

		if (wire && sts_msg_parse(wire, len, keys, &again, &err) == 0) {
			if (again.n != msg.n)
				abort();
			for (size_t i = 0; i < msg.n; i++)
				if (strcmp(sts_msg_get(&again, msg.items[i].key),
					   msg.items[i].value))
					abort();
			sts_msg_free(&again);
		}
		free(wire);
		sts_msg_free(&msg);
	}
	/* The same bytes as a grant (the MAC fails, but the parser runs first
	 * on the framing), and as a grant whose MAC is right. */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (sts_grant_open(key, text, "u", "s", 100, &g, &err) == 0)
		sts_grant_free(&g);
	free(text);
	{
		sts_grant in = { .user = (char *)"u",
				 .service = (char *)"s",
				 .issued = 1,
				 .expires = 1000 };
		char *sealed = NULL;
		char *target = strndup((const char *)data, size);

		in.target = target;
		if (target && sts_grant_seal(key, &in, &sealed, &err) == 0) {
			if (sts_grant_open(key, sealed, "u", "s", 100, &g, &err) != 0)
				abort(); /* what we seal we must open */
			if (strcmp(g.target, target) != 0)
				abort();
			sts_grant_free(&g);
			free(sealed);
		}
		free(target);
	}
	return 0;
}
