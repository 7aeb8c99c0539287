/*
 * Test-only allocation fault injection (LD_PRELOAD; never installed, never
 * linked into pam_sts). It does nothing until a test arms it through
 * sts_failalloc_arm() (found with dlsym(RTLD_DEFAULT, ...), so only a test
 * that asks for it can turn it on). While armed it counts the allocations
 * made *directly by pam_sts.so* -- the calls whose return address lies in an
 * executable segment of the loaded module (dl_iterate_phdr) -- and makes the
 * allocation that follows |after| successful ones fail: only that one
 * (STS_FAILALLOC_ONCE) or that one and every later one (STS_FAILALLOC_FROM).
 * Allocations by libc, libpam, pam_wrapper, the test itself or the helper
 * process (which does not preload this) are never failed, so a failure is
 * always one that pam_sts must handle.
 *
 * Entry points covered: malloc, calloc, realloc, strdup, strndup, asprintf,
 * vasprintf, __asprintf_chk, __vasprintf_chk (libc), and, at the library
 * boundary, json-c's constructors (json_tokener_new_ex, json_tokener_parse,
 * json_object_new_*, json_object_to_json_string_ext) and OpenSSL's one-shot
 * HMAC, which return NULL when their own allocations fail.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <link.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STS_FAILALLOC_ONCE 0
#define STS_FAILALLOC_FROM 1

int sts_failalloc_arm(long after, int mode);
void sts_failalloc_disarm(void);
long sts_failalloc_count(void);
long sts_failalloc_injected(void);
int sts_failalloc_trace(unsigned long *out, int max);

/* ---- state ---------------------------------------------------------------------------------- */

static int armed, fail_mode;
static long fail_after, seen, injected;
static uintptr_t seg_lo[8], seg_hi[8], module_base;
static int n_segs, n_trace, in_trace;
static unsigned long trace[12];

static int in_module(uintptr_t a)
{
	for (int i = 0; i < n_segs; i++)
		if (a >= seg_lo[i] && a < seg_hi[i])
			return 1;
	return 0;
}

/* The module's frames of the first injected failure (backtrace() may
 * allocate when it first loads the unwinder: not from the module). */
static void record_trace(void)
{
	void *frames[32];
	int n;

	in_trace = 1;
	n = backtrace(frames, 32);
	in_trace = 0;
	n_trace = 0;
	for (int i = 0; i < n && n_trace < 12; i++)
		if (in_module((uintptr_t)frames[i]))
			trace[n_trace++] = (uintptr_t)frames[i] - module_base;
}

/* Called with the caller's return address: should this allocation fail? */
static int should_fail(const void *ret)
{
	uintptr_t a = (uintptr_t)ret;

	if (!armed || in_trace || !in_module(a))
		return 0;
	seen++;
	if (seen - 1 == fail_after || (fail_mode == STS_FAILALLOC_FROM && seen - 1 > fail_after)) {
		if (!injected++)
			record_trace();
		return 1;
	}
	return 0;
}

static int find_module(struct dl_phdr_info *info, size_t size, void *data)
{
	const char *name = info->dlpi_name;
	size_t n = name ? strlen(name) : 0;

	(void)size;
	(void)data;
	if (n < 11 || strcmp(name + n - 11, "/pam_sts.so") != 0)
		return 0;
	module_base = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum && n_segs < 8; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			seg_lo[n_segs] = info->dlpi_addr + ph->p_vaddr;
			seg_hi[n_segs] = seg_lo[n_segs] + ph->p_memsz;
			n_segs++;
		}
	}
	return 1;
}

/* Arms the shim; -1 when pam_sts.so is not loaded. */
int sts_failalloc_arm(long after, int mode)
{
	n_segs = 0;
	dl_iterate_phdr(find_module, NULL);
	if (n_segs == 0)
		return -1;
	fail_after = after;
	fail_mode = mode;
	seen = injected = 0;
	n_trace = 0;
	armed = 1;
	return 0;
}

void sts_failalloc_disarm(void)
{
	armed = 0;
}

long sts_failalloc_count(void)
{
	return seen;
}

long sts_failalloc_injected(void)
{
	return injected;
}

/* The module's return addresses (offsets) at the first injected failure,
 * innermost first. */
int sts_failalloc_trace(unsigned long *out, int max)
{
	int n = n_trace < max ? n_trace : max;

	memcpy(out, trace, (size_t)n * sizeof(*out));
	return n;
}

/* ---- the real functions --------------------------------------------------------------------- */

/* dlsym may allocate while the real allocator is being looked up: those
 * requests are served from a small static arena (never freed). */
static _Alignas(16) char arena[65536];
static size_t arena_used;
static int resolving;

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static char *(*real_strdup)(const char *);
static char *(*real_strndup)(const char *, size_t);
static int (*real_vasprintf)(char **, const char *, va_list);
static int (*real_vasprintf_chk)(char **, int, const char *, va_list);

static void *arena_alloc(size_t n)
{
	size_t need = ((n + 15) & ~(size_t)15) + 16;
	char *p;

	if (need > sizeof(arena) - arena_used)
		return NULL;
	p = arena + arena_used;
	arena_used += need;
	memcpy(p, &n, sizeof(n));
	return p + 16;
}

static int in_arena(const void *p)
{
	return (const char *)p >= arena && (const char *)p < arena + sizeof(arena);
}

static void resolve(void)
{
	if (real_malloc || resolving)
		return;
	resolving = 1;
	real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	real_strdup = (char *(*)(const char *))dlsym(RTLD_NEXT, "strdup");
	real_strndup = (char *(*)(const char *, size_t))dlsym(RTLD_NEXT, "strndup");
	real_vasprintf = (int (*)(char **, const char *, va_list))dlsym(RTLD_NEXT, "vasprintf");
	real_vasprintf_chk =
		(int (*)(char **, int, const char *, va_list))dlsym(RTLD_NEXT, "__vasprintf_chk");
	real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	resolving = 0;
}

/* A function of json-c or libcrypto: the shim is linked against both, so
 * the next definition after it is the library's. */
static void *next_sym(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (!f)
		abort();
	return f;
}

/* ---- libc ----------------------------------------------------------------------------------- */

void *malloc(size_t n)
{
	if (!real_malloc) {
		resolve();
		if (!real_malloc)
			return arena_alloc(n);
	}
	if (should_fail(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return real_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	if (!real_calloc) {
		resolve();
		if (!real_calloc) {
			void *p;
			if (size && n > SIZE_MAX / size)
				return NULL;
			p = arena_alloc(n * size);
			if (p)
				memset(p, 0, n * size);
			return p;
		}
	}
	if (should_fail(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return real_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	if (!real_realloc)
		resolve();
	if (in_arena(p) || !real_realloc) {
		size_t old = 0;
		void *q;

		if (p)
			memcpy(&old, (char *)p - 16, sizeof(old));
		q = real_malloc ? real_malloc(n) : arena_alloc(n);
		if (q && p)
			memcpy(q, p, old < n ? old : n);
		return q;
	}
	if (should_fail(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return real_realloc(p, n);
}

void free(void *p)
{
	if (!p || in_arena(p))
		return;
	if (!real_free)
		resolve();
	if (real_free) /* else: freed while the real allocator is looked up; leaked */
		real_free(p);
}

char *strdup(const char *s)
{
	resolve();
	if (should_fail(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return real_strdup(s);
}

char *strndup(const char *s, size_t n)
{
	resolve();
	if (should_fail(__builtin_return_address(0))) {
		errno = ENOMEM;
		return NULL;
	}
	return real_strndup(s, n);
}

int vasprintf(char **out, const char *fmt, va_list ap)
{
	resolve();
	if (should_fail(__builtin_return_address(0))) {
		errno = ENOMEM;
		return -1;
	}
	return real_vasprintf(out, fmt, ap);
}

int asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int rc;

	resolve();
	if (should_fail(__builtin_return_address(0))) {
		errno = ENOMEM;
		return -1;
	}
	va_start(ap, fmt);
	rc = real_vasprintf(out, fmt, ap);
	va_end(ap);
	return rc;
}

int __vasprintf_chk(char **out, int flag, const char *fmt, va_list ap);
int __asprintf_chk(char **out, int flag, const char *fmt, ...);

int __vasprintf_chk(char **out, int flag, const char *fmt, va_list ap)
{
	resolve();
	if (should_fail(__builtin_return_address(0))) {
		errno = ENOMEM;
		return -1;
	}
	return real_vasprintf_chk(out, flag, fmt, ap);
}

int __asprintf_chk(char **out, int flag, const char *fmt, ...)
{
	va_list ap;
	int rc;

	resolve();
	if (should_fail(__builtin_return_address(0))) {
		errno = ENOMEM;
		return -1;
	}
	va_start(ap, fmt);
	rc = real_vasprintf_chk(out, flag, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- json-c and OpenSSL: constructors that return NULL when memory runs out ------------------ */

#define JSON_WRAP(ret, name, params, args)                     \
	ret name params;                                       \
	ret name params                                        \
	{                                                      \
		static ret(*real) params;                      \
		if (should_fail(__builtin_return_address(0)))  \
			return NULL;                           \
		if (!real)                                     \
			real = (ret(*) params)next_sym(#name); \
		return real args;                              \
	}

JSON_WRAP(void *, json_tokener_new_ex, (int depth), (depth))
JSON_WRAP(void *, json_tokener_parse, (const char *text), (text))
JSON_WRAP(void *, json_object_new_object, (void), ())
JSON_WRAP(void *, json_object_new_string, (const char *s), (s))
JSON_WRAP(void *, json_object_new_int, (int32_t i), (i))
JSON_WRAP(void *, json_object_new_int64, (int64_t i), (i))
JSON_WRAP(void *, json_object_new_boolean, (int b), (b))
JSON_WRAP(const char *, json_object_to_json_string_ext, (void *obj, int flags), (obj, flags))

unsigned char *HMAC(const void *md, const void *key, int key_len, const unsigned char *data,
		    size_t data_len, unsigned char *out, unsigned int *out_len);
unsigned char *HMAC(const void *md, const void *key, int key_len, const unsigned char *data,
		    size_t data_len, unsigned char *out, unsigned int *out_len)
{
	static unsigned char *(*real)(const void *, const void *, int, const unsigned char *,
				      size_t, unsigned char *, unsigned int *);

	if (should_fail(__builtin_return_address(0)))
		return NULL;
	if (!real)
		real = (unsigned char *(*)(const void *, const void *, int, const unsigned char *,
					   size_t, unsigned char *,
					   unsigned int *))next_sym("HMAC");
	return real(md, key, key_len, data, data_len, out, out_len);
}
