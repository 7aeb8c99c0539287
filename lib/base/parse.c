/* A word in a list, a decimal number in a range. */
#include "base/parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool sts_in_list(const char *word, const char *const *list)
{
	for (size_t i = 0; list[i]; i++) {
		if (strcmp(word, list[i]) == 0)
			return true;
	}
	return false;
}

int sts_parse_uint(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	*out = strtoul(text, &end, 10);
	return (errno || *end || *out < min || *out > max) ? -1 : 0;
}
