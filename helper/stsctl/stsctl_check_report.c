/* stsctl check's output: each fault on its own line, and the counts. */
#include <stdarg.h>
#include <stdio.h>

#include "stsctl_check.h"

void stsctl_check_fault(check_ctx *c, const char *fmt, ...)
{
	char msg[6000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->faults++;
	printf("FAULT %s\n", msg);
}

void stsctl_check_passed(check_ctx *c)
{
	c->checked++;
}
