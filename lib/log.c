/* One logging entry point with a replaceable sink. */
#include "log.h"

#include <stdio.h>

static sts_log_sink current_sink = sts_log_sink_stderr;
static void *current_arg;

void sts_log_set_sink(sts_log_sink sink, void *arg)
{
	current_sink = sink ? sink : sts_log_sink_stderr;
	current_arg = sink ? arg : NULL;
}

void sts_log(int priority, const char *fmt, ...)
{
	char message[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	current_sink(current_arg, priority, message);
}

void sts_log_sink_stderr(void *arg, int priority, const char *message)
{
	const char *prog = arg ? (const char *)arg : "pam_sts";

	(void)priority;
	fprintf(stderr, "%s: %s\n", prog, message);
}

void sts_log_sink_syslog(void *arg, int priority, const char *message)
{
	(void)arg;
	syslog(LOG_AUTHPRIV | (priority & LOG_PRIMASK), "%s", message);
}
