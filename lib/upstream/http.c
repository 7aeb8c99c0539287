/*
 * The hardened libcurl exchange shared by the STS calls and IMDS. Each
 * exchange has its own easy handle, so concurrent logins in the broker
 * share no transfer state.
 */
#include "upstream/http.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int64_t sts_http_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sts_http_answer_clear(sts_http_answer *a)
{
	if (!a)
		return;
	if (a->body) {
		OPENSSL_cleanse(a->body, a->len);
		free(a->body);
	}
	memset(a, 0, sizeof(*a));
}

/* "127.0.0.1"…"127.255.255.255" or "[::1]": the host itself, no name lookup. */
static bool is_loopback(const char *host)
{
	struct in_addr a4;

	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return strcmp(host, "[::1]") == 0;
}

static bool is_ip_literal(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char inner[64];
	size_t len = strlen(host);

	if (inet_pton(AF_INET, host, &a4) == 1)
		return true;
	if (len < 3 || len - 2 >= sizeof(inner) || host[0] != '[' || host[len - 1] != ']')
		return false;
	memcpy(inner, host + 1, len - 2);
	inner[len - 2] = '\0';
	return inet_pton(AF_INET6, inner, &a6) == 1;
}

/* Part |what| of |u|: 1 when present (*out set, curl_free it), 0 when absent. */
static int url_part(CURLU *u, CURLUPart what, char **out)
{
	*out = NULL;
	return curl_url_get(u, what, out, 0) == CURLUE_OK && *out;
}

static int check_parts(CURLU *u, sts_url_rule rule, const char *url, sts_error *err)
{
	char *scheme = NULL, *host = NULL, *extra = NULL, *path = NULL;
	int rc = 0;

	url_part(u, CURLUPART_SCHEME, &scheme);
	url_part(u, CURLUPART_HOST, &host);
	if (!scheme || !host)
		rc = sts_error_set(err, "%.200s: not an http(s) URL", url);
	else if (rule == STS_URL_HTTP_IP && (strcmp(scheme, "http") != 0 || !is_ip_literal(host)))
		rc = sts_error_set(err, "%.200s: must be http:// to an IP address", url);
	else if (rule == STS_URL_HTTPS_OR_LOOPBACK && strcmp(scheme, "https") != 0 &&
		 !(strcmp(scheme, "http") == 0 && is_loopback(host)))
		rc = sts_error_set(
			err, "%.200s: must be https:// (http:// only to a loopback address)", url);
	else if (url_part(u, CURLUPART_USER, &extra) || url_part(u, CURLUPART_QUERY, &extra) ||
		 url_part(u, CURLUPART_FRAGMENT, &extra))
		rc = sts_error_set(err, "%.200s: no user name, query or fragment allowed", url);
	else if (url_part(u, CURLUPART_PATH, &path) && strcmp(path, "/") != 0)
		rc = sts_error_set(err, "%.200s: no path allowed", url);
	curl_free(scheme);
	curl_free(host);
	curl_free(extra);
	curl_free(path);
	return rc;
}

int sts_http_url_check(const char *url, sts_url_rule rule, sts_error *err)
{
	CURLU *u;
	int rc;

	if (!url || !*url)
		return sts_error_set(err, "endpoint: empty");
	if (!(u = curl_url()))
		return sts_error_set(err, "endpoint: out of memory");
	/* No default scheme: "sts.amazonaws.com" alone is refused. */
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		rc = sts_error_set(err, "%.200s: not a URL", url);
	else
		rc = check_parts(u, rule, url, err);
	curl_url_cleanup(u);
	return rc;
}

typedef struct {
	char *buf;
	size_t len, cap, max;
	bool too_large;
} sink;

/* Grows the answer buffer; an old buffer is wiped, not just freed. */
static size_t on_data(char *data, size_t size, size_t nmemb, void *user)
{
	sink *s = user;
	size_t n = size * nmemb;
	char *grown;

	if (n > s->max - s->len) {
		s->too_large = true;
		return 0;
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + n + 1)
			cap *= 2;
		if (!(grown = malloc(cap)))
			return 0;
		if (s->buf) {
			memcpy(grown, s->buf, s->len);
			OPENSSL_cleanse(s->buf, s->cap);
			free(s->buf);
		}
		s->buf = grown;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

/* Adds the administrator's CA file to the handshake's trust store. */
static CURLcode add_ca_file(CURL *h, void *ssl_ctx, void *path)
{
	X509_STORE *store = SSL_CTX_get_cert_store((SSL_CTX *)ssl_ctx);

	(void)h;
	if (!store || X509_STORE_load_file(store, (const char *)path) != 1)
		return CURLE_SSL_CACERT_BADFILE;
	return CURLE_OK;
}

static int set_headers(CURL *h, const char *const *headers, struct curl_slist **list)
{
	for (size_t i = 0; headers && headers[i]; i++) {
		struct curl_slist *grown = curl_slist_append(*list, headers[i]);
		if (!grown)
			return -1;
		*list = grown;
	}
	return *list && curl_easy_setopt(h, CURLOPT_HTTPHEADER, *list) != CURLE_OK ? -1 : 0;
}

/* The options every exchange has, whatever it is for. */
static int set_common(CURL *h, const sts_http_request *rq, sink *s, char *errbuf)
{
	const char *proto = strncmp(rq->url, "https://", 8) == 0 ? "https" : "http";
	int bad = 0;

	bad |= curl_easy_setopt(h, CURLOPT_URL, rq->url) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, proto) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, proto) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_PROXY, "") != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, rq->connect_timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, rq->timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, s) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK;
	if (rq->ca_file) {
		bad |= curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, add_ca_file) != CURLE_OK;
		bad |= curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, rq->ca_file) != CURLE_OK;
	}
	return bad ? -1 : 0;
}

/* The method, the body and the signature. libcurl 7.88 hashes only
 * CURLOPT_POSTFIELDS for SigV4, so a body always goes that way. */
static int set_request(CURL *h, const sts_http_request *rq)
{
	int bad = 0;

	if (strcmp(rq->method, "GET") == 0)
		bad |= curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) != CURLE_OK;
	else {
		bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len) !=
		       CURLE_OK;
		bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "") !=
		       CURLE_OK;
		if (strcmp(rq->method, "POST") != 0)
			bad |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method) != CURLE_OK;
	}
	if (rq->sigv4) {
		bad |= curl_easy_setopt(h, CURLOPT_AWS_SIGV4, rq->sigv4) != CURLE_OK;
		bad |= curl_easy_setopt(h, CURLOPT_USERNAME, rq->access_key_id) != CURLE_OK;
		bad |= curl_easy_setopt(h, CURLOPT_PASSWORD, rq->secret_access_key) != CURLE_OK;
	}
	return bad ? -1 : 0;
}

static int perform(CURL *h, const sts_http_request *rq, sink *s, sts_http_answer *ans,
		   const char *errbuf, sts_error *err)
{
	CURLcode rc = curl_easy_perform(h);

	if (rc == CURLE_OPERATION_TIMEDOUT) {
		sts_error_set(err, "%s %.200s: timed out after %ld ms", rq->method, rq->url,
			      rq->timeout_ms);
		return STS_HTTP_TIMEOUT;
	}
	if (s->too_large)
		return sts_error_set(err, "%s %.200s: answer larger than %zu bytes", rq->method,
				     rq->url, s->max);
	if (rc != CURLE_OK)
		return sts_error_set(err, "%s %.200s: %s", rq->method, rq->url,
				     errbuf[0] ? errbuf : curl_easy_strerror(rc));
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &ans->status);
	ans->body = s->buf ? s->buf : strdup("");
	ans->len = s->len;
	s->buf = NULL;
	return ans->body ? 0 : sts_error_set(err, "%s: out of memory", rq->method);
}

int sts_http_exchange(const sts_http_request *rq, sts_http_answer *ans, sts_error *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL;
	sink s = { .max = rq->max_answer };
	CURL *h;
	int rc;

	memset(ans, 0, sizeof(*ans));
	if (strncmp(rq->url, "https://", 8) != 0 && strncmp(rq->url, "http://", 7) != 0)
		return sts_error_set(err, "%.200s: not an http(s) URL", rq->url);
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK || !(h = curl_easy_init()))
		return sts_error_set(err, "libcurl: cannot initialise");
	if (set_common(h, rq, &s, errbuf) < 0 || set_request(h, rq) < 0 ||
	    set_headers(h, rq->headers, &headers) < 0)
		rc = sts_error_set(err, "libcurl: an option was refused (libcurl too old?)");
	else
		rc = perform(h, rq, &s, ans, errbuf, err);
	curl_easy_cleanup(h);
	/* A header may be the session token. */
	for (struct curl_slist *l = headers; l; l = l->next)
		OPENSSL_cleanse(l->data, strlen(l->data));
	curl_slist_free_all(headers);
	if (s.buf) {
		OPENSSL_cleanse(s.buf, s.cap);
		free(s.buf);
	}
	return rc;
}
