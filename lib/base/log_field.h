/*
 * Escaping of every log field a user can influence (user and role names,
 * PAM_RHOST, federated names, reasons that quote them), so that no value can
 * split a line or pose as another field. Depends on libc only: the module,
 * sts-helper, sts-assume and stsctl all link it.
 *
 * The format (docs/bastion.md section 6, for alert rules):
 *   - an absent value is written  -
 *   - a non-empty value made only of  A-Z a-z 0-9 . _ : / @ + , -  (and not
 *     "-" itself) is written as it is;
 *   - any other value is written in double quotes, with  "  as \" ,  \  as \\
 *     and every byte outside 0x20..0x7e as \xNN (two lower-case hex digits);
 *   - a value too long for its line is cut and ends in ... inside the quotes.
 * A line is "WHAT: key=field key=field ...": keys are fixed words, so a
 * reader splits on spaces outside quotes and on the first '='.
 */
#ifndef STS_LOG_FIELD_H
#define STS_LOG_FIELD_H

#include <stdbool.h>
#include <stddef.h>

/* The longest escaped field, quotes and NUL included. */
#define STS_LOG_FIELD_MAX 1024

/* Writes |value| (NULL: absent) escaped into |out| (|size| >= 8 bytes).
 * Returns |out|. */
const char *sts_log_field(char *out, size_t size, const char *value);

/* Free text (a message that may quote a name) kept on one line: every byte
 * outside 0x20..0x7e as \xNN (quotes and backslashes stay, so escaping twice
 * changes nothing); cut with ... when too long. Returns |out|. */
const char *sts_log_text(char *out, size_t size, const char *text);

/* A key=value line under construction. */
typedef struct {
	char text[8192];
	size_t len;
} sts_log_line;

/* Starts |line| with |what| ("decision:", "issued:"). */
void sts_log_line_start(sts_log_line *line, const char *what);
/* Appends " key=field"; a field that does not fit is cut (see above), and
 * left out when not even a cut one fits. */
void sts_log_kv(sts_log_line *line, const char *key, const char *value);

#endif
