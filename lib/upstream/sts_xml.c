/*
 * STS's XML answers through libxml2. The input is bounded and refused when
 * it carries a DTD or an entity declaration; the parser runs without
 * network access, DTD loading or entity substitution. Every field is
 * looked up by exact name in STS's namespace and must appear once; values
 * that end up in a credentials file or a log line must be one printable
 * token, so a crafted answer cannot inject a line.
 */
#include "upstream/sts_xml.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/crypto.h>

#include "upstream/base_creds.h"
#include "upstream/iso8601.h"

#define STS_NS "https://sts.amazonaws.com/doc/2011-06-15/"

/* The longest value kept of a field that is not a session token. */
#define FIELD_MAX 2048u
/* A session token's: no documented maximum, bounded by the answer. */
#define TOKEN_MAX (64u * 1024u)

/* How a field's text must look. */
typedef enum {
	SHAPE_TOKEN, /* printable ASCII without blanks: keys, ids, ARNs */
	SHAPE_TEXT,  /* any text without control characters: STS's messages */
} field_shape;

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
	xmlInitParser();
}

void sts_upstream_creds_clear(sts_upstream_creds *c)
{
	if (!c)
		return;
	free(c->access_key_id);
	sts_upstream_free_secret(c->secret_access_key);
	sts_upstream_free_secret(c->session_token);
	free(c->principal_arn);
	free(c->principal_id);
	free(c->source_identity);
	free(c->request_id);
	memset(c, 0, sizeof(*c));
}

void sts_upstream_fault_clear(sts_upstream_fault *f)
{
	if (!f)
		return;
	free(f->type);
	free(f->code);
	free(f->message);
	free(f->request_id);
	memset(f, 0, sizeof(*f));
}

static bool in_sts_ns(const xmlNode *n)
{
	return n->ns && n->ns->href && strcmp((const char *)n->ns->href, STS_NS) == 0;
}

/* The one element child of |parent| named |name|: 0 with *found set, 1 when
 * there is none, -1 when it is repeated or a child is outside STS's
 * namespace. */
static int find_child(const xmlNode *parent, const char *name, const xmlNode **found,
		      sts_error *err)
{
	*found = NULL;
	for (const xmlNode *n = parent->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!in_sts_ns(n)) {
			sts_error_set(err, "STS answer: <%.64s> is not in STS's namespace",
				      (const char *)n->name);
			return -1;
		}
		if (strcmp((const char *)n->name, name) != 0)
			continue;
		if (*found) {
			sts_error_set(err, "STS answer: <%s> appears twice in <%.64s>", name,
				      (const char *)parent->name);
			return -1;
		}
		*found = n;
	}
	return *found ? 0 : 1;
}

static bool shape_ok(const char *s, size_t len, field_shape shape)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0x7f || (c < 0x20 && !(shape == SHAPE_TEXT && c == '\t')))
			return false;
		if (shape == SHAPE_TOKEN && (c == ' ' || c > 0x7e))
			return false;
	}
	return true;
}

/* A leaf's text, trimmed, copied into *out: -1 when the element has
 * element children, is empty, too long or of the wrong shape. The
 * temporary copy libxml2 makes is wiped (it may be a secret). */
static int leaf_text(const xmlNode *leaf, field_shape shape, size_t max, char **out, sts_error *err)
{
	xmlChar *raw;
	const char *s;
	size_t len;
	int rc = 0;

	for (const xmlNode *n = leaf->children; n; n = n->next)
		if (n->type != XML_TEXT_NODE && n->type != XML_CDATA_SECTION_NODE)
			return sts_error_set(err, "STS answer: <%s> is not a plain value",
					     (const char *)leaf->name);
	raw = xmlNodeGetContent(leaf);
	if (!raw)
		return sts_error_set(err, "STS answer: <%s> is empty", (const char *)leaf->name);
	s = (const char *)raw;
	len = strlen(s);
	while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' ||
			   s[len - 1] == '\r'))
		len--;
	if (len == 0 || len > max || !shape_ok(s, len, shape))
		rc = sts_error_set(err, "STS answer: <%s> is empty, too long or malformed",
				   (const char *)leaf->name);
	else if (!(*out = strndup(s, len)))
		rc = sts_error_set(err, "STS answer: out of memory");
	OPENSSL_cleanse(raw, strlen((const char *)raw));
	xmlFree(raw);
	return rc;
}

/* The text of |parent|'s child |name| into *out; absent is an error when
 * |required|, else leaves *out NULL. */
static int field(const xmlNode *parent, const char *name, bool required, field_shape shape,
		 size_t max, char **out, sts_error *err)
{
	const xmlNode *leaf;
	int rc = find_child(parent, name, &leaf, err);

	if (rc < 0)
		return -1;
	if (rc == 1)
		return required ? sts_error_set(err, "STS answer: <%s> is missing in <%.64s>", name,
						(const char *)parent->name) :
				  0;
	return leaf_text(leaf, shape, max, out, err);
}

/* The element child |name| of |parent|, which must be there. */
static int element(const xmlNode *parent, const char *name, const xmlNode **out, sts_error *err)
{
	int rc = find_child(parent, name, out, err);

	if (rc == 1) {
		sts_error_set(err, "STS answer: <%s> is missing in <%.64s>", name,
			      (const char *)parent->name);
		return -1;
	}
	return rc;
}

static int parse_credentials(const xmlNode *result, sts_upstream_creds *c, sts_error *err)
{
	const xmlNode *cr;
	char *expiration = NULL;
	int rc;

	if (element(result, "Credentials", &cr, err) < 0)
		return -1;
	rc = field(cr, "AccessKeyId", true, SHAPE_TOKEN, 128, &c->access_key_id, err);
	if (rc == 0)
		rc = field(cr, "SecretAccessKey", true, SHAPE_TOKEN, FIELD_MAX,
			   &c->secret_access_key, err);
	if (rc == 0)
		rc = field(cr, "SessionToken", true, SHAPE_TOKEN, TOKEN_MAX, &c->session_token,
			   err);
	if (rc == 0)
		rc = field(cr, "Expiration", true, SHAPE_TOKEN, 64, &expiration, err);
	if (rc == 0 && sts_iso8601_parse(expiration, &c->expiration) < 0)
		rc = sts_error_set(err, "STS answer: <Expiration> is not a UTC timestamp");
	free(expiration);
	return rc;
}

/* AssumedRoleUser (AssumeRole) or FederatedUser (GetFederationToken). */
static int parse_principal(const xmlNode *result, sts_operation op, sts_upstream_creds *c,
			   sts_error *err)
{
	const char *elem = op == STS_OP_ASSUME_ROLE ? "AssumedRoleUser" : "FederatedUser";
	const char *id = op == STS_OP_ASSUME_ROLE ? "AssumedRoleId" : "FederatedUserId";
	const xmlNode *user;

	if (op == STS_OP_SESSION)
		return 0;
	if (element(result, elem, &user, err) < 0 ||
	    field(user, "Arn", true, SHAPE_TOKEN, FIELD_MAX, &c->principal_arn, err) < 0 ||
	    field(user, id, true, SHAPE_TOKEN, FIELD_MAX, &c->principal_id, err) < 0)
		return -1;
	if (op == STS_OP_ASSUME_ROLE)
		return field(result, "SourceIdentity", false, SHAPE_TOKEN, FIELD_MAX,
			     &c->source_identity, err);
	return 0;
}

static int parse_success(const xmlNode *root, sts_operation op, sts_upstream_creds *c,
			 sts_error *err)
{
	char result_name[64];
	const xmlNode *result, *meta;

	sts_fmt(result_name, sizeof(result_name), "%sResult", sts_operation_name(op));
	if (element(root, result_name, &result, err) < 0 || parse_credentials(result, c, err) < 0 ||
	    parse_principal(result, op, c, err) < 0 ||
	    element(root, "ResponseMetadata", &meta, err) < 0 ||
	    field(meta, "RequestId", true, SHAPE_TOKEN, FIELD_MAX, &c->request_id, err) < 0) {
		sts_upstream_creds_clear(c);
		return -1;
	}
	return 0;
}

static int parse_fault(const xmlNode *root, sts_upstream_fault *f, sts_error *err)
{
	const xmlNode *e;

	if (element(root, "Error", &e, err) < 0 ||
	    field(e, "Type", false, SHAPE_TOKEN, FIELD_MAX, &f->type, err) < 0 ||
	    field(e, "Code", true, SHAPE_TOKEN, 256, &f->code, err) < 0 ||
	    field(e, "Message", true, SHAPE_TEXT, FIELD_MAX, &f->message, err) < 0 ||
	    field(root, "RequestId", false, SHAPE_TOKEN, FIELD_MAX, &f->request_id, err) < 0) {
		sts_upstream_fault_clear(f);
		return -1;
	}
	return STS_XML_FAULT;
}

/* Wipes every text node the parser allocated (the secrets among them)
 * before the tree is freed. */
static void wipe_text(xmlDoc *doc, xmlNode *n)
{
	for (; n; n = n->next) {
		if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content &&
		    !(doc->dict && xmlDictOwns(doc->dict, n->content)))
			OPENSSL_cleanse(n->content, strlen((const char *)n->content));
		if (n->type == XML_ELEMENT_NODE)
			wipe_text(doc, n->children);
	}
}

/* The checks made on the raw bytes, before libxml2 sees them. */
static int precheck(const char *body, size_t len, sts_error *err)
{
	if (len == 0)
		return sts_error_set(err, "STS answer: empty");
	if (len > STS_XML_MAX)
		return sts_error_set(err, "STS answer: larger than %u bytes", STS_XML_MAX);
	if (memchr(body, '\0', len))
		return sts_error_set(err, "STS answer: holds a NUL byte");
	/* STS never sends a DTD; one is the way to entity expansion. */
	if (memmem(body, len, "<!DOCTYPE", 9) || memmem(body, len, "<!ENTITY", 8))
		return sts_error_set(err, "STS answer: carries a DTD or an entity declaration");
	return 0;
}

static int parse_root(const xmlNode *root, sts_operation op, sts_upstream_creds *creds,
		      sts_upstream_fault *fault, sts_error *err)
{
	char response_name[64];

	if (!root || !in_sts_ns(root))
		return sts_error_set(err, "STS answer: the root element is not in STS's namespace");
	if (strcmp((const char *)root->name, "ErrorResponse") == 0)
		return parse_fault(root, fault, err);
	sts_fmt(response_name, sizeof(response_name), "%sResponse", sts_operation_name(op));
	if (strcmp((const char *)root->name, response_name) != 0)
		return sts_error_set(err, "STS answer: <%.64s> where <%s> was expected",
				     (const char *)root->name, response_name);
	return parse_success(root, op, creds, err);
}

int sts_xml_parse(const char *body, size_t len, sts_operation op, sts_upstream_creds *creds,
		  sts_upstream_fault *fault, sts_error *err)
{
	xmlDoc *doc;
	int rc;

	memset(creds, 0, sizeof(*creds));
	memset(fault, 0, sizeof(*fault));
	if (precheck(body, len, err) < 0)
		return -1;
	pthread_once(&xml_once, xml_init);
	/* No XML_PARSE_NOENT, DTDLOAD, DTDATTR or XINCLUDE: nothing is fetched
	 * or expanded; NONET in case a later libxml2 default changes. */
	doc = xmlReadMemory(body, (int)len, NULL, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return sts_error_set(err, "STS answer: not well-formed XML");
	if (doc->intSubset || doc->extSubset)
		rc = sts_error_set(err, "STS answer: carries a DTD");
	else
		rc = parse_root(xmlDocGetRootElement(doc), op, creds, fault, err);
	wipe_text(doc, doc->children);
	xmlFreeDoc(doc);
	return rc;
}
