/*
 * Logging for every component through one sink: the PAM module installs a
 * pam_syslog sink, sts-helper syslog (authpriv), the CLIs stderr. Messages
 * never carry secrets: callers log names, places and decisions only.
 */
#ifndef STS_LOG_H
#define STS_LOG_H

#include <stdarg.h>
#include <syslog.h>

#include "error.h"

typedef void (*sts_log_sink)(void *arg, int priority, const char *message);

/* Installs |sink| (NULL restores the default, stderr). Not thread-safe:
 * call once at start-up. */
void sts_log_set_sink(sts_log_sink sink, void *arg);
void sts_log(int priority, const char *fmt, ...) STS_PRINTF(2, 3);

/* Ready-made sinks. */
void sts_log_sink_stderr(void *arg, int priority, const char *message);
void sts_log_sink_syslog(void *arg, int priority, const char *message);

#endif
