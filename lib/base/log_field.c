/* The escaping of log fields; the format is described in log_field.h. */
#include "base/log_field.h"

#include <stdio.h>
#include <string.h>

#define CUT_MARK "..."

static bool bare_byte(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("._:/@+,-", c));
}

static bool writes_bare(const char *value)
{
	if (!value[0] || strcmp(value, "-") == 0)
		return false;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (!bare_byte(*p))
			return false;
	}
	return true;
}

/* The escaped form of one byte: in a quoted field also " and \, which free
 * text keeps (so that escaping text twice changes nothing). */
static void escape_byte(unsigned char c, bool quoted, char esc[5])
{
	if (quoted && (c == '"' || c == '\\'))
		snprintf(esc, 5, "\\%c", c);
	else if (c < 0x20 || c > 0x7e)
		snprintf(esc, 5, "\\x%02x", c);
	else
		snprintf(esc, 5, "%c", c);
}

/* Writes |text| escaped into |out| between |open| and |close|, cut with the
 * mark where it does not fit; returns the length written. */
static size_t escape_into(char *out, size_t size, const char *text, const char *open,
			  const char *close, bool quoted)
{
	size_t used = 0, tail = strlen(CUT_MARK) + strlen(close) + 1;

	used += (size_t)snprintf(out, size, "%s", open);
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		char esc[5];
		size_t n;

		escape_byte(*p, quoted, esc);
		n = strlen(esc);
		/* a later byte still needs room for the close, or for the mark */
		if (used + n + (p[1] ? tail : strlen(close) + 1) > size) {
			used += (size_t)snprintf(out + used, size - used, "%s", CUT_MARK);
			break;
		}
		memcpy(out + used, esc, n);
		used += n;
	}
	used += (size_t)snprintf(out + used, size - used, "%s", close);
	return used;
}

const char *sts_log_field(char *out, size_t size, const char *value)
{
	if (size > STS_LOG_FIELD_MAX)
		size = STS_LOG_FIELD_MAX;
	if (!value)
		snprintf(out, size, "-");
	else if (writes_bare(value) && strlen(value) < size)
		snprintf(out, size, "%s", value);
	else
		escape_into(out, size, value, "\"", "\"", true);
	return out;
}

const char *sts_log_text(char *out, size_t size, const char *text)
{
	escape_into(out, size, text ? text : "", "", "", false);
	return out;
}

void sts_log_line_start(sts_log_line *line, const char *what)
{
	line->len = (size_t)snprintf(line->text, sizeof(line->text), "%s", what);
}

void sts_log_kv(sts_log_line *line, const char *key, const char *value)
{
	size_t room = sizeof(line->text) - line->len, head = strlen(key) + 2;

	/* " key=" and the shortest cut field, "...", must fit */
	if (room < head + 8)
		return;
	line->len += (size_t)snprintf(line->text + line->len, room, " %s=", key);
	sts_log_field(line->text + line->len, room - head, value);
	line->len += strlen(line->text + line->len);
}
