/* libFuzzer target: the sshd-style configuration reader. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/kv_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
	char *text;
	char *path;
	unsigned long number;
	bool flag;
	int choice;
} fuzz_config;

static const char *const choices[] = { "a", "bb", "ccc", NULL };

static const sts_config_key table[] = {
	{ "text", CFG_STRING, offsetof(fuzz_config, text), 0, 0, NULL },
	{ "path", CFG_PATH, offsetof(fuzz_config, path), 0, 0, NULL },
	{ "number", CFG_UINT, offsetof(fuzz_config, number), 1, 129600, NULL },
	{ "flag", CFG_BOOL, offsetof(fuzz_config, flag), 0, 0, NULL },
	{ "choice", CFG_ENUM, offsetof(fuzz_config, choice), 0, 0, choices },
	{ NULL, 0, 0, 0, 0, NULL },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_config c = { 0 };
	sts_error err;

	sts_config_parse((const char *)data, size, "fuzz.conf", table, &c, &err);
	free(c.text);
	free(c.path);
	return 0;
}
