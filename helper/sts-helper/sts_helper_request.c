/*
 * The application's request of op=decide (action=requested): pam_sts.so
 * hands the text of PAM_STS_REQUEST over unread, as app_request=, so that
 * the module links no JSON parser (every library it loads costs each login
 * its dlopen time); it is read here, with the rules the module applied when
 * it parsed it itself, and then decided like any other request.
 */
#include "sts_helper_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "policy/json_unique.h"
#include "proto/codec.h"

static int set_why(char *why, size_t why_len, const char *text)
{
	snprintf(why, why_len, "%s", text);
	return STS_APP_MALFORMED;
}

static int parse_op(json_object *obj, sts_authz_request *req)
{
	json_object *op;
	const char *name;

	if (!json_object_object_get_ex(obj, "op", &op) ||
	    !json_object_is_type(op, json_type_string))
		return -1;
	name = json_object_get_string(op);
	return sts_operation_from_word(name, &req->op);
}

/* An unknown key is refused rather than ignored: a field the module does not
 * read must not look to the application as if it had been applied. */
static bool only_known_keys(json_object *obj)
{
	json_object_object_foreach(obj, key, val) {
		(void)val;
		if (strcmp(key, "op") != 0 && strcmp(key, "target") != 0 &&
		    strcmp(key, "duration") != 0 && strcmp(key, "session_policy") != 0)
			return false;
	}
	return true;
}

static int parse_target(json_object *obj, sts_authz_request *req, char **target, char *why,
			size_t why_len)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, "target", &v))
		return req->op == STS_OP_SESSION ?
			       0 :
			       set_why(why, why_len, "assume-role and federate need a \"target\"");
	if (!json_object_is_type(v, json_type_string))
		return set_why(why, why_len, "\"target\" is not a string");
	/* role=prompt is the administrator's word for a menu; an application's
	 * "prompt" would otherwise be decided as a role of that name. */
	if (req->op == STS_OP_ASSUME_ROLE && strcmp(json_object_get_string(v), "prompt") == 0)
		return set_why(why, why_len,
			       "\"target\" \"prompt\" is role=prompt's, not a role an application "
			       "may name");
	*target = strdup(json_object_get_string(v));
	return *target ? 0 : STS_APP_NOMEM;
}

static int parse_object(json_object *obj, sts_authz_request *req, char **target, char **policy_text,
			char *why, size_t why_len)
{
	json_object *v;
	int rc;

	if (!json_object_is_type(obj, json_type_object))
		return set_why(why, why_len, "not a JSON object");
	if (parse_op(obj, req) < 0)
		return set_why(why, why_len,
			       "\"op\" is missing or not session, assume-role or federate");
	if (!only_known_keys(obj))
		return set_why(why, why_len,
			       "a key other than op, target, duration and session_policy");
	rc = parse_target(obj, req, target, why, why_len);
	if (rc < 0)
		return rc;
	if (json_object_object_get_ex(obj, "duration", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	     sts_parse_duration(json_object_get_string(v), &req->duration) < 0))
		return set_why(why, why_len,
			       "\"duration\" is not a string of seconds (digits, not 0)");
	if (json_object_object_get_ex(obj, "session_policy", &v)) {
		if (!json_object_is_type(v, json_type_object))
			return set_why(why, why_len, "\"session_policy\" is not a JSON object");
		*policy_text = strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		if (!*policy_text)
			return STS_APP_NOMEM;
	}
	return 0;
}

/* The request as JSON, or NULL with |why| set: not JSON, or an object with a
 * key twice (IAM refuses that in a session policy, and a repeated op or
 * target must not mean its last value). */
static json_object *parse_json(const char *text, char *why, size_t why_len)
{
	json_tokener *tok = json_tokener_new();
	json_object *obj = NULL;
	char repeated[128];
	size_t end;

	if (!tok) {
		set_why(why, why_len, "out of memory");
		return NULL;
	}
	obj = sts_json_parse_unique(tok, text, strlen(text), &end, repeated, sizeof(repeated));
	json_tokener_free(tok);
	if (repeated[0])
		snprintf(why, why_len, "the key %s appears twice in one object", repeated);
	else if (!obj)
		set_why(why, why_len, "not JSON");
	return obj;
}

int sts_app_request_parse(const char *text, sts_authz_request *req, char **target,
			  char **policy_text, char *why, size_t why_len)
{
	json_object *obj = NULL;
	int rc;

	*target = *policy_text = NULL;
	if (strlen(text) > STS_APP_REQUEST_MAX) {
		snprintf(why, why_len, "longer than %u bytes", STS_APP_REQUEST_MAX);
		return STS_APP_MALFORMED;
	}
	obj = parse_json(text, why, why_len);
	rc = obj ? parse_object(obj, req, target, policy_text, why, why_len) : STS_APP_MALFORMED;
	json_object_put(obj);
	if (rc < 0) {
		free(*target);
		free(*policy_text);
		*target = *policy_text = NULL;
		return rc;
	}
	req->target = *target;
	req->session_policy_text = *policy_text;
	return 0;
}
