/*
 * JSON parsing that refuses an object repeating a key. IAM refuses such a
 * document ("Individual elements must not contain multiple instances of the
 * same key"); json-c keeps the last value, so a statement with Effect twice
 * would read as one thing to a reviewer and decide as another.
 */
#ifndef STS_JSON_UNIQUE_H
#define STS_JSON_UNIQUE_H

#include <stddef.h>

#include <json-c/json_tokener.h>

/* json_tokener_parse_ex(tok, text, len) that also fails on a repeated key.
 * Returns the root, or NULL: when a key was repeated, |dup_path| holds its
 * path ("Statement[1].Effect"); otherwise |dup_path| is "" and
 * json_tokener_get_error(tok) says why. |*end| is the offset after the
 * document (or where parsing stopped), over the whole |text|. */
struct json_object *sts_json_parse_unique(struct json_tokener *tok, const char *text, size_t len,
					  size_t *end, char *dup_path, size_t path_len);

#endif
