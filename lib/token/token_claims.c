/*
 * The claims as one JSON object (json-c), parsed strictly. Every field is
 * required and typed; nothing else is allowed:
 *
 *   {"operation": "AssumeRole", "principal_arn": "arn:...", "source_identity": "alice",
 *    "source_ip": "192.0.2.1" | null, "mfa_present": true, "mfa_time": 1800000000,
 *    "issued": 1800000000, "expires": 1800003600,
 *    "identity": [{"name": "role/App/s3.json", "text": "{...}"}], "session": [...],
 *    "no_permissions": false, "userid": "1000" | null}
 *
 * This is how claims travel outside a token (the helper's answers, stsctl
 * verify --json); inside a token they are bytes (token_payload.c). Parsing
 * also accepts "access_key_id" and "secret_access_key" (both or neither,
 * checked and discarded), as the payload of the first token format held
 * them: the secret comes last, and json-c's scratch buffer, which it went
 * through, is wiped before it is freed, as is json-c's copy of it.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <json-c/printbuf.h>
#include <openssl/crypto.h>

#include "base/fileio.h"
#include "decide/sts_limits.h"
#include "proto/operation.h"
#include "token/token_internal.h"

#define ARN_MAX_LEN	2048 /* principal ARN */
#define IP_MAX_LEN	64   /* source IP (IPv6 with a zone fits) */
#define PAYLOAD_MAX	STS_TOKEN_TEXT_MAX
#define JSON_DEPTH	8
#define SERIALISE_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

enum {
	F_OPERATION,
	F_PRINCIPAL,
	F_SOURCE_IDENTITY,
	F_SOURCE_IP,
	F_MFA_PRESENT,
	F_MFA_TIME,
	F_ISSUED,
	F_EXPIRES,
	F_IDENTITY,
	F_SESSION,
	F_NO_PERMISSIONS,
	F_USERID,
	F_AKID,
	F_SECRET,
	F_COUNT
};

static const char *const field_names[F_COUNT] = {
	"operation",	  "principal_arn", "source_identity", "source_ip",	   "mfa_present",
	"mfa_time",	  "issued",	   "expires",	      "identity",	   "session",
	"no_permissions", "userid",	   "access_key_id",   "secret_access_key",
};

static void free_docs(sts_scope_doc *docs, size_t n)
{
	for (size_t i = 0; docs && i < n; i++) {
		free(docs[i].name);
		free(docs[i].text);
	}
	free(docs);
}

void sts_token_claims_free(sts_token_claims *c)
{
	if (!c)
		return;
	free(c->operation);
	free(c->principal_arn);
	free(c->source_identity);
	free(c->source_ip);
	free(c->userid);
	free_docs(c->identity, c->n_identity);
	free_docs(c->session, c->n_session);
	memset(c, 0, sizeof(*c));
}

/* Printable ASCII, 1..max characters: what names and ARNs are made of, and
 * safe to print on a terminal. */
static bool printable(const char *s, size_t max)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++)
		if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7e || n >= max)
			return false;
	return n > 0;
}

static int check_docs(const char *what, const sts_scope_doc *docs, size_t n, sts_error *err)
{
	if (n > STS_SCOPE_DOCS_MAX || (n > 0 && !docs))
		return sts_error_set(err, "claims: %s: more than %d documents", what,
				     STS_SCOPE_DOCS_MAX);
	for (size_t i = 0; i < n; i++)
		if (!printable(docs[i].name, STS_NAME_MAX_LEN) || !docs[i].text || !docs[i].text[0])
			return sts_error_set(err, "claims: %s[%zu]: bad name or empty text", what,
					     i);
	return 0;
}

static bool known_operation(const char *op)
{
	for (int i = STS_OP_SESSION; i <= STS_OP_FEDERATE; i++)
		if (strcmp(op, sts_operation_name((sts_operation)i)) == 0)
			return true;
	return false;
}

int sts_token_claims_check(const sts_token_claims *c, sts_error *err)
{
	if (!c->operation || !known_operation(c->operation))
		return sts_error_set(err, "claims: operation: not an STS operation");
	if (!printable(c->principal_arn, ARN_MAX_LEN) || strncmp(c->principal_arn, "arn:", 4) != 0)
		return sts_error_set(err, "claims: principal_arn: not an ARN");
	if (!printable(c->source_identity, STS_NAME_MAX_LEN))
		return sts_error_set(err, "claims: source_identity: missing or not printable");
	if (c->source_ip && !printable(c->source_ip, IP_MAX_LEN))
		return sts_error_set(err, "claims: source_ip: not printable");
	if (c->userid && !printable(c->userid, STS_NAME_MAX_LEN))
		return sts_error_set(err, "claims: userid: not printable");
	if (c->mfa_present ? c->mfa_time <= 0 || c->mfa_time > STS_TIME_MAX : c->mfa_time != 0)
		return sts_error_set(err, "claims: mfa_time: must be a time exactly when "
					  "mfa_present");
	if (c->issued < 0 || c->expires < c->issued || c->expires > STS_TIME_MAX)
		return sts_error_set(err, "claims: issued/expires: out of order or out of range");
	if (c->expires - c->issued > (int64_t)STS_SESSION_DURATION_MAX)
		return sts_error_set(err, "claims: lifetime longer than %lu s",
				     STS_SESSION_DURATION_MAX);
	if (check_docs("identity", c->identity, c->n_identity, err) < 0 ||
	    check_docs("session", c->session, c->n_session, err) < 0)
		return -1;
	return 0;
}

/* ---- serialising -------------------------------------------------------------------------- */

/* Adds |val| (NULL: JSON null when |nullable|, else out of memory). */
static int add_value(json_object *obj, const char *key, json_object *val, bool nullable)
{
	if (!val && !nullable)
		return -1;
	/* Keys are distinct literals: json-c need neither copy nor look them up. */
	if (json_object_object_add_ex(obj, key, val,
				      JSON_C_OBJECT_ADD_KEY_IS_NEW |
					      JSON_C_OBJECT_KEY_IS_CONSTANT) < 0) {
		json_object_put(val);
		return -1;
	}
	return 0;
}

static int add(json_object *obj, const char *key, json_object *val)
{
	return add_value(obj, key, val, false);
}

static json_object *docs_json(const sts_scope_doc *docs, size_t n)
{
	json_object *arr = json_object_new_array_ext((int)n);

	for (size_t i = 0; arr && i < n; i++) {
		json_object *doc = json_object_new_object();
		if (!doc || json_object_array_add(arr, doc) < 0) {
			json_object_put(doc);
			goto fail;
		}
		if (add(doc, "name", json_object_new_string(docs[i].name)) < 0 ||
		    add(doc, "text", json_object_new_string(docs[i].text)) < 0)
			goto fail;
	}
	return arr;
fail:
	json_object_put(arr);
	return NULL;
}

/* The claims as a json-c object (without the credential). */
static json_object *claims_json(const sts_token_claims *c)
{
	json_object *obj = json_object_new_object();

	if (!obj || add(obj, field_names[F_OPERATION], json_object_new_string(c->operation)) < 0 ||
	    add(obj, field_names[F_PRINCIPAL], json_object_new_string(c->principal_arn)) < 0 ||
	    add(obj, field_names[F_SOURCE_IDENTITY], json_object_new_string(c->source_identity)) <
		    0 ||
	    add_value(obj, field_names[F_SOURCE_IP],
		      c->source_ip ? json_object_new_string(c->source_ip) : NULL,
		      !c->source_ip) < 0 ||
	    add(obj, field_names[F_MFA_PRESENT], json_object_new_boolean(c->mfa_present)) < 0 ||
	    add(obj, field_names[F_MFA_TIME], json_object_new_int64(c->mfa_time)) < 0 ||
	    add(obj, field_names[F_ISSUED], json_object_new_int64(c->issued)) < 0 ||
	    add(obj, field_names[F_EXPIRES], json_object_new_int64(c->expires)) < 0 ||
	    add(obj, field_names[F_IDENTITY], docs_json(c->identity, c->n_identity)) < 0 ||
	    add(obj, field_names[F_SESSION], docs_json(c->session, c->n_session)) < 0 ||
	    add(obj, field_names[F_NO_PERMISSIONS], json_object_new_boolean(c->no_permissions)) <
		    0 ||
	    add_value(obj, field_names[F_USERID],
		      c->userid ? json_object_new_string(c->userid) : NULL, !c->userid) < 0) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

char *sts_token_claims_to_json(const sts_token_claims *claims, sts_error *err)
{
	json_object *obj;
	const char *text;
	char *copy = NULL;
	size_t n = 0;

	if (sts_token_claims_check(claims, err) < 0)
		return NULL;
	obj = claims_json(claims);
	text = obj ? json_object_to_json_string_length(obj, SERIALISE_FLAGS, &n) : NULL;
	if (text && n >= 2 && text[n - 1] == '}' && (copy = malloc(n + 1)))
		memcpy(copy, text, n + 1);
	json_object_put(obj);
	if (!copy)
		sts_error_set(err, "claims: out of memory");
	return copy;
}

/* ---- parsing ------------------------------------------------------------------------------ */

static int get_string(json_object *v, size_t max, bool nullable, char **out)
{
	const char *s;
	int len;

	if (nullable && !v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	len = json_object_get_string_len(v);
	/* An embedded NUL ("\u0000") would make the C string differ from the JSON. */
	if ((size_t)len > max || strlen(s) != (size_t)len)
		return -1;
	*out = strdup(s);
	return *out ? 0 : -1;
}

static int get_int(json_object *v, int64_t *out)
{
	if (!json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}

static int get_bool(json_object *v, bool *out)
{
	if (!json_object_is_type(v, json_type_boolean))
		return -1;
	*out = json_object_get_boolean(v);
	return 0;
}

static int get_doc(json_object *v, sts_scope_doc *doc)
{
	json_object *name, *text;

	if (!json_object_is_type(v, json_type_object) || json_object_object_length(v) != 2 ||
	    !json_object_object_get_ex(v, "name", &name) ||
	    !json_object_object_get_ex(v, "text", &text))
		return -1;
	if (get_string(name, STS_NAME_MAX_LEN, false, &doc->name) < 0 ||
	    get_string(text, PAYLOAD_MAX, false, &doc->text) < 0)
		return -1;
	return 0;
}

static int get_docs(json_object *v, sts_scope_doc **docs, size_t *n)
{
	size_t len;

	if (!json_object_is_type(v, json_type_array))
		return -1;
	len = json_object_array_length(v);
	if (len > STS_SCOPE_DOCS_MAX)
		return -1;
	if (len == 0)
		return 0;
	*docs = calloc(len, sizeof(**docs));
	if (!*docs)
		return -1;
	for (*n = 0; *n < len; (*n)++)
		if (get_doc(json_object_array_get_idx(v, *n), &(*docs)[*n]) < 0) {
			(*n)++; /* frees the half-filled one too */
			return -1;
		}
	return 0;
}

/* The credential string |v| into |out| (exactly |len| characters). */
static int get_credential(json_object *v, char *out, size_t len)
{
	const char *s;
	size_t n;
	int rc = -1;

	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n == len && strlen(s) == len) {
		memcpy(out, s, len + 1);
		rc = 0;
	}
	return rc;
}

/* Wipes json-c's copy of the secret, whatever else the payload held. */
static void wipe_secret(json_object *root)
{
	json_object *v;

	if (json_object_is_type(root, json_type_object) &&
	    json_object_object_get_ex(root, field_names[F_SECRET], &v) &&
	    json_object_is_type(v, json_type_string))
		OPENSSL_cleanse((void *)(uintptr_t)json_object_get_string(v),
				(size_t)json_object_get_string_len(v));
}

static int take_field(int f, json_object *v, sts_token_claims *c, char *akid, char *secret)
{
	switch (f) {
	case F_OPERATION:
		return get_string(v, 64, false, &c->operation);
	case F_PRINCIPAL:
		return get_string(v, ARN_MAX_LEN, false, &c->principal_arn);
	case F_SOURCE_IDENTITY:
		return get_string(v, STS_NAME_MAX_LEN, false, &c->source_identity);
	case F_SOURCE_IP:
		return get_string(v, IP_MAX_LEN, true, &c->source_ip);
	case F_MFA_PRESENT:
		return get_bool(v, &c->mfa_present);
	case F_MFA_TIME:
		return get_int(v, &c->mfa_time);
	case F_ISSUED:
		return get_int(v, &c->issued);
	case F_EXPIRES:
		return get_int(v, &c->expires);
	case F_IDENTITY:
		return get_docs(v, &c->identity, &c->n_identity);
	case F_SESSION:
		return get_docs(v, &c->session, &c->n_session);
	case F_NO_PERMISSIONS:
		return get_bool(v, &c->no_permissions);
	case F_USERID:
		return get_string(v, STS_NAME_MAX_LEN, true, &c->userid);
	case F_AKID:
		return get_credential(v, akid, STS_ACCESS_KEY_ID_LEN);
	default:
		return get_credential(v, secret, STS_SECRET_KEY_LEN);
	}
}

static int field_index(const char *key)
{
	for (int f = 0; f < F_COUNT; f++)
		if (key[0] == field_names[f][0] && strcmp(key, field_names[f]) == 0)
			return f;
	return -1;
}

/* Walks the object: every key known, typed right; then every one present. */
static int take_fields(json_object *root, sts_token_claims *c, char *akid, char *secret,
		       sts_error *err)
{
	bool seen[F_COUNT] = { false };

	if (!json_object_is_type(root, json_type_object))
		return sts_error_set(err, "claims: not a JSON object");
	json_object_object_foreach(root, key, val) {
		int f = field_index(key);
		if (f < 0)
			return sts_error_set(err, "claims: unknown field \"%.64s\"", key);
		if (take_field(f, val, c, akid, secret) < 0)
			return sts_error_set(err, "claims: %s: wrong type or size", key);
		seen[f] = true;
	}
	for (int f = 0; f < F_AKID; f++)
		if (!seen[f])
			return sts_error_set(err, "claims: %s: missing", field_names[f]);
	if (seen[F_AKID] != seen[F_SECRET])
		return sts_error_set(err, "claims: the credential fields are incomplete");
	if (seen[F_AKID] && !sts_access_key_id_valid(akid))
		return sts_error_set(err, "claims: access_key_id: malformed");
	return 0;
}

/* json-c keeps what it last decoded in its scratch buffer (the secret, which
 * comes last): wiped before the tokener goes. */
static void tokener_free_wiped(json_tokener *tok)
{
	if (tok->pb && tok->pb->buf && tok->pb->size > 0)
		OPENSSL_cleanse(tok->pb->buf, (size_t)tok->pb->size);
	json_tokener_free(tok);
}

static json_object *parse_json(const char *json, size_t len, sts_error *err)
{
	json_tokener *tok;
	json_object *root;

	if (!json || len > PAYLOAD_MAX) {
		sts_error_set(err, "claims: missing or larger than %u bytes", PAYLOAD_MAX);
		return NULL;
	}
	/* One object, nothing around it (json-c would skip blanks). */
	if (len < 2 || json[0] != '{' || json[len - 1] != '}') {
		sts_error_set(err, "claims: not one strict JSON object");
		return NULL;
	}
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok) {
		sts_error_set(err, "claims: out of memory");
		return NULL;
	}
	/* Not JSON_TOKENER_VALIDATE_UTF8, a second check of every byte that is
	 * not needed: the short strings are checked to be printable ASCII, and
	 * the policy texts go through the policy parser (which checks their
	 * characters) before any use. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		json_object_put(root);
		root = NULL;
		sts_error_set(err, "claims: not one strict JSON object");
	}
	tokener_free_wiped(tok);
	return root;
}

int sts_token_claims_from_json(const char *json, size_t len, sts_token_claims *out, sts_error *err)
{
	char akid[STS_ACCESS_KEY_ID_LEN + 1] = "", secret[STS_SECRET_KEY_LEN + 1] = "";
	json_object *root;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	root = parse_json(json, len, err);
	if (root && take_fields(root, out, akid, secret, err) == 0 &&
	    sts_token_claims_check(out, err) == 0)
		rc = 0;
	wipe_secret(root);
	json_object_put(root);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (rc < 0)
		sts_token_claims_free(out);
	return rc;
}
