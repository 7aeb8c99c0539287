/* Error reports: one formatted message, never containing secrets. */
#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>

void sts_error_clear(sts_error *err)
{
	if (err)
		err->msg[0] = '\0';
}

int sts_error_set(sts_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void sts_fmt(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}
