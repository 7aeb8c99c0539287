/*
 * Repeated keys, found by json-c's own tokener: the text is fed in pieces
 * that end after each quote followed by a colon, so the parse pauses right
 * after every object key, when the tokener holds the key (decoded, as json-c will store it) and
 * the object it goes into. A key the object already holds is a repeat. This
 * reads the tokener's published state (struct json_tokener_srec), which
 * json-c 0.16 documents as internal: should a later json-c make it opaque,
 * this file stops compiling rather than letting repeats through.
 */
#include "policy/json_unique.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

/* Appends to |path| where level |i| of the parse is: ".key" or "[n]". */
static void append_level(const struct json_tokener_srec *level, bool first, char *path,
			 size_t path_len)
{
	size_t used = strlen(path);

	if (json_object_is_type(level->current, json_type_array))
		snprintf(path + used, path_len - used, "[%zu]",
			 json_object_array_length(level->current));
	else if (level->obj_field_name)
		snprintf(path + used, path_len - used, "%s%s", first ? "" : ".",
			 level->obj_field_name);
}

/* Whether the key just read repeats one of its object; if so, its path. */
static bool repeated_key(const struct json_tokener *tok, char *path, size_t path_len)
{
	const struct json_tokener_srec *top = &tok->stack[tok->depth];

	if (!top->obj_field_name || !json_object_is_type(top->current, json_type_object) ||
	    !json_object_object_get_ex(top->current, top->obj_field_name, NULL))
		return false;
	path[0] = '\0';
	for (int i = 0; i <= tok->depth; i++)
		append_level(&tok->stack[i], i == 0, path, path_len);
	return true;
}

/* Whether the parse should pause after the quote at |text|[i]: it may close
 * a key, being followed by a colon (or by a comment, which json-c's lenient
 * mode allows before it). Each pause costs a call into json-c, so quotes
 * that close values and open strings go by without one. */
static bool may_close_key(const char *text, size_t len, size_t i)
{
	size_t j = i + 1;

	/* isspace: whatever json-c skips as white space, and more (more pauses
	 * cost time, never a missed key) */
	while (j < len && isspace((unsigned char)text[j]))
		j++;
	return j == len || text[j] == ':' || text[j] == '/';
}

/* The length of the next piece of |text|: up to a pause or the end. */
static size_t piece_length(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if ((text[i] == '"' || text[i] == '\'') && may_close_key(text, len, i))
			return i + 1;
	}
	return len;
}

struct json_object *sts_json_parse_unique(struct json_tokener *tok, const char *text, size_t len,
					  size_t *end, char *dup_path, size_t path_len)
{
	size_t start = 0;

	dup_path[0] = '\0';
	do {
		size_t n = piece_length(text + start, len - start);
		json_object *root = json_tokener_parse_ex(tok, text + start, (int)n);

		*end = start + json_tokener_get_parse_end(tok);
		if (root || json_tokener_get_error(tok) != json_tokener_continue)
			return root;
		if (repeated_key(tok, dup_path, path_len))
			return NULL;
		start += n;
	} while (start < len);
	return NULL;
}
