/* Request contexts written as JSON: {"key": "value" | ["v1", "v2"] | []}. */
#ifndef STS_CONTEXT_JSON_H
#define STS_CONTEXT_JSON_H

#include <json-c/json.h>

#include "policy/policy.h"

/* Adds every key of |obj| to |ctx|: a string is single-valued, a list is
 * multi-valued (an empty list: present but empty). Returns 0 or -1. */
int sts_context_add_json(sts_context *ctx, json_object *obj);

#endif
