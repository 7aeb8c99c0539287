/* Error reports that name the file, the place in it and what is wrong. */
#ifndef STS_ERROR_H
#define STS_ERROR_H

#include <stddef.h>

typedef struct {
	char msg[768];
} sts_error;

#if defined(__GNUC__)
#define STS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define STS_PRINTF(a, b)
#endif

void sts_error_clear(sts_error *err);
/* Formats the message; a NULL |err| is allowed and ignored. Returns -1. */
int sts_error_set(sts_error *err, const char *fmt, ...) STS_PRINTF(2, 3);

/* snprintf for JSON paths and messages: truncation is acceptable there. */
void sts_fmt(char *buf, size_t cap, const char *fmt, ...) STS_PRINTF(3, 4);

#endif
