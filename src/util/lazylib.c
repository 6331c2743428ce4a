/*
 * lazylib: libcurl, libxml2, libarchive and libcrypto, loaded on first use.
 *
 * Loading them (and the dozen libraries libcurl pulls in) at start-up cost
 * about 7 ms before main(), on every command, while most commands need none
 * of them: a warm install links from the cache, create without a manifest
 * touches no network.  libcrypto alone (SHA-256 only) costs about 0.5 ms
 * of relocations and page faults in every process, and create without a
 * manifest hashes nothing.  So burrow-core does not link them; this file defines
 * the functions burrow uses, each of which dlopen()s its library once and
 * calls through to the real one.  The headers are the real ones, so the
 * signatures are checked by the compiler.
 *
 * A library that cannot be loaded ends the process with a message naming
 * it, as the dynamic loader would have done at start-up had it been linked.
 */
#define CURL_DISABLE_TYPECHECK 1
#define OPENSSL_SUPPRESS_DEPRECATED 1 /* SHA256_*: see util/sha256.c */
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

enum lazy_lib { LAZY_CURL, LAZY_XML, LAZY_ARCHIVE, LAZY_CRYPTO };

static const char *const sonames[] = {"libcurl.so.4", "libxml2.so.2", "libarchive.so.13",
                                      "libcrypto.so.3"};
static void *handles[4];
static pthread_mutex_t lazy_mu = PTHREAD_MUTEX_INITIALIZER;

/* libxml2's deallocator is a variable, not a function: set when the
 * library is loaded (before anything could hand us memory to free). */
#undef xmlFree
xmlFreeFunc xmlFree;

static void *lazy_sym(enum lazy_lib lib, const char *name)
{
	void *h, *sym;

	pthread_mutex_lock(&lazy_mu);
	h = handles[lib];
	if (!h) {
		h = dlopen(sonames[lib], RTLD_LAZY | RTLD_LOCAL);
		if (!h) {
			fprintf(stderr, "burrow: error: cannot load %s: %s\n", sonames[lib],
			        dlerror());
			_exit(1);
		}
		if (lib == LAZY_XML) {
			xmlFreeFunc *f = dlsym(h, "xmlFree");
			xmlFree = f ? *f : free;
		}
		handles[lib] = h;
	}
	pthread_mutex_unlock(&lazy_mu);
	sym = dlsym(h, name);
	if (!sym) {
		fprintf(stderr, "burrow: error: %s has no %s\n", sonames[lib], name);
		_exit(1);
	}
	return sym;
}

/* ret name(params) { return real(args); } with the real one found once. */
#define LAZY(lib, ret, name, params, args)                                                         \
	ret name params                                                                            \
	{                                                                                          \
		static ret(*volatile real) params;                                                 \
		if (!real)                                                                         \
			real = (ret(*) params)lazy_sym(lib, #name);                                \
		return real args;                                                                  \
	}
#define LAZY_VOID(lib, name, params, args)                                                         \
	void name params                                                                           \
	{                                                                                          \
		static void(*volatile real) params;                                                \
		if (!real)                                                                         \
			real = (void(*) params)lazy_sym(lib, #name);                               \
		real args;                                                                         \
	}

/* libcurl */
LAZY(LAZY_CURL, CURLcode, curl_global_init, (long flags), (flags))
LAZY(LAZY_CURL, CURL *, curl_easy_init, (void), ())
LAZY_VOID(LAZY_CURL, curl_easy_cleanup, (CURL * h), (h))
LAZY_VOID(LAZY_CURL, curl_easy_reset, (CURL * h), (h))
LAZY_VOID(LAZY_CURL, curl_free, (void *p), (p))
LAZY(LAZY_CURL, CURLM *, curl_multi_init, (void), ())
LAZY(LAZY_CURL, CURLMcode, curl_multi_cleanup, (CURLM * m), (m))
LAZY(LAZY_CURL, CURLMcode, curl_multi_add_handle, (CURLM * m, CURL *h), (m, h))
LAZY(LAZY_CURL, CURLMcode, curl_multi_remove_handle, (CURLM * m, CURL *h), (m, h))
LAZY(LAZY_CURL, CURLMsg *, curl_multi_info_read, (CURLM * m, int *left), (m, left))
LAZY(LAZY_CURL, CURLMcode, curl_multi_perform, (CURLM * m, int *running), (m, running))
LAZY(LAZY_CURL, CURLMcode, curl_multi_poll,
     (CURLM * m, struct curl_waitfd *fds, unsigned int n, int ms, int *numfds),
     (m, fds, n, ms, numfds))
LAZY(LAZY_CURL, struct curl_slist *, curl_slist_append, (struct curl_slist * l, const char *s),
     (l, s))
LAZY_VOID(LAZY_CURL, curl_slist_free_all, (struct curl_slist * l), (l))
LAZY(LAZY_CURL, CURLU *, curl_url, (void), ())
LAZY_VOID(LAZY_CURL, curl_url_cleanup, (CURLU * u), (u))
LAZY(LAZY_CURL, CURLU *, curl_url_dup, (CURLU * u), (u))
LAZY(LAZY_CURL, CURLUcode, curl_url_get,
     (CURLU * u, CURLUPart what, char **part, unsigned int flags), (u, what, part, flags))
LAZY(LAZY_CURL, CURLUcode, curl_url_set,
     (CURLU * u, CURLUPart what, const char *part, unsigned int flags), (u, what, part, flags))

/* The two variadic ones take exactly one argument after the option, whose
 * type the option's number says (curl.h: CURLOPTTYPE_*, CURLINFO_*). */
CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	static CURLcode (*volatile real)(CURL *, CURLoption, ...);
	CURLcode r;
	va_list ap;

	if (!real)
		real =
		    (CURLcode(*)(CURL *, CURLoption, ...))lazy_sym(LAZY_CURL, "curl_easy_setopt");
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = real(h, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		r = real(h, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		r = real(h, opt, va_arg(ap, void (*)(void)));
	else if (opt < CURLOPTTYPE_BLOB)
		r = real(h, opt, va_arg(ap, curl_off_t));
	else
		r = real(h, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	static CURLcode (*volatile real)(CURL *, CURLINFO, ...);
	CURLcode r;
	va_list ap;

	if (!real)
		real = (CURLcode(*)(CURL *, CURLINFO, ...))lazy_sym(LAZY_CURL, "curl_easy_getinfo");
	va_start(ap, info);
	r = real(h, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}

/* libxml2 */
LAZY(LAZY_XML, htmlDocPtr, htmlReadMemory,
     (const char *buf, int size, const char *url, const char *enc, int options),
     (buf, size, url, enc, options))
LAZY_VOID(LAZY_XML, xmlFreeDoc, (xmlDocPtr d), (d))
LAZY(LAZY_XML, xmlChar *, xmlGetProp, (const xmlNode *n, const xmlChar *name), (n, name))
LAZY(LAZY_XML, xmlAttrPtr, xmlHasProp, (const xmlNode *n, const xmlChar *name), (n, name))
LAZY_VOID(LAZY_XML, xmlSetGenericErrorFunc, (void *ctx, xmlGenericErrorFunc f), (ctx, f))
LAZY(LAZY_XML, int, xmlStrcasecmp, (const xmlChar *a, const xmlChar *b), (a, b))

/* libarchive */
LAZY(LAZY_ARCHIVE, struct archive *, archive_read_new, (void), ())
LAZY(LAZY_ARCHIVE, int, archive_read_free, (struct archive * a), (a))
LAZY(LAZY_ARCHIVE, int, archive_read_support_filter_gzip, (struct archive * a), (a))
LAZY(LAZY_ARCHIVE, int, archive_read_support_filter_xz, (struct archive * a), (a))
LAZY(LAZY_ARCHIVE, int, archive_read_support_filter_zstd, (struct archive * a), (a))
LAZY(LAZY_ARCHIVE, int, archive_read_support_format_raw, (struct archive * a), (a))
LAZY(LAZY_ARCHIVE, int, archive_read_support_format_tar, (struct archive * a), (a))
LAZY(LAZY_ARCHIVE, int, archive_read_open,
     (struct archive * a, void *data, archive_open_callback *o, archive_read_callback *r,
      archive_close_callback *c),
     (a, data, o, r, c))
LAZY(LAZY_ARCHIVE, int, archive_read_open_fd, (struct archive * a, int fd, size_t block),
     (a, fd, block))
LAZY(LAZY_ARCHIVE, int, archive_read_next_header, (struct archive * a, struct archive_entry **e),
     (a, e))
LAZY(LAZY_ARCHIVE, int, archive_read_data_block,
     (struct archive * a, const void **buf, size_t *size, la_int64_t *offset),
     (a, buf, size, offset))
LAZY(LAZY_ARCHIVE, la_int64_t, archive_filter_bytes, (struct archive * a, int n), (a, n))
LAZY(LAZY_ARCHIVE, const char *, archive_error_string, (struct archive * a), (a))
LAZY(LAZY_ARCHIVE, struct archive *, archive_write_new, (void), ())
LAZY(LAZY_ARCHIVE, int, archive_write_free, (struct archive * a), (a))
LAZY(LAZY_ARCHIVE, int, archive_write_close, (struct archive * a), (a))
LAZY(LAZY_ARCHIVE, int, archive_write_add_filter_gzip, (struct archive * a), (a))
LAZY(LAZY_ARCHIVE, int, archive_write_add_filter_xz, (struct archive * a), (a))
LAZY(LAZY_ARCHIVE, int, archive_write_add_filter_zstd, (struct archive * a), (a))
LAZY(LAZY_ARCHIVE, int, archive_write_set_filter_option,
     (struct archive * a, const char *m, const char *o, const char *v), (a, m, o, v))
LAZY(LAZY_ARCHIVE, int, archive_write_set_format_pax_restricted, (struct archive * a), (a))
LAZY(LAZY_ARCHIVE, int, archive_write_open_fd, (struct archive * a, int fd), (a, fd))
LAZY(LAZY_ARCHIVE, int, archive_write_header, (struct archive * a, struct archive_entry *e), (a, e))
LAZY(LAZY_ARCHIVE, la_ssize_t, archive_write_data, (struct archive * a, const void *b, size_t n),
     (a, b, n))
LAZY(LAZY_ARCHIVE, struct archive_entry *, archive_entry_new, (void), ())
LAZY_VOID(LAZY_ARCHIVE, archive_entry_free, (struct archive_entry * e), (e))
LAZY(LAZY_ARCHIVE, struct archive_entry *, archive_entry_clear, (struct archive_entry * e), (e))
LAZY_VOID(LAZY_ARCHIVE, archive_entry_copy_pathname, (struct archive_entry * e, const char *p),
          (e, p))
LAZY_VOID(LAZY_ARCHIVE, archive_entry_copy_symlink, (struct archive_entry * e, const char *p),
          (e, p))
LAZY(LAZY_ARCHIVE, __LA_MODE_T, archive_entry_filetype, (struct archive_entry * e), (e))
LAZY(LAZY_ARCHIVE, const char *, archive_entry_hardlink, (struct archive_entry * e), (e))
LAZY(LAZY_ARCHIVE, const char *, archive_entry_pathname, (struct archive_entry * e), (e))
LAZY(LAZY_ARCHIVE, __LA_MODE_T, archive_entry_perm, (struct archive_entry * e), (e))
LAZY(LAZY_ARCHIVE, la_int64_t, archive_entry_size, (struct archive_entry * e), (e))
LAZY(LAZY_ARCHIVE, const char *, archive_entry_symlink, (struct archive_entry * e), (e))
LAZY_VOID(LAZY_ARCHIVE, archive_entry_set_filetype, (struct archive_entry * e, unsigned int t),
          (e, t))
LAZY_VOID(LAZY_ARCHIVE, archive_entry_set_gid, (struct archive_entry * e, la_int64_t g), (e, g))
LAZY_VOID(LAZY_ARCHIVE, archive_entry_set_uid, (struct archive_entry * e, la_int64_t u), (e, u))
LAZY_VOID(LAZY_ARCHIVE, archive_entry_set_mtime, (struct archive_entry * e, time_t t, long ns),
          (e, t, ns))
LAZY_VOID(LAZY_ARCHIVE, archive_entry_set_perm, (struct archive_entry * e, __LA_MODE_T m), (e, m))
LAZY_VOID(LAZY_ARCHIVE, archive_entry_set_size, (struct archive_entry * e, la_int64_t s), (e, s))

/* archive_set_error is variadic (printf-like): format here, pass "%s". */
void archive_set_error(struct archive *a, int err, const char *fmt, ...)
{
	static void (*volatile real)(struct archive *, int, const char *, ...);
	char msg[1024];
	va_list ap;

	if (!real)
		real = (void (*)(struct archive *, int, const char *, ...))lazy_sym(
		    LAZY_ARCHIVE, "archive_set_error");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	real(a, err, "%s", msg);
}

/* libcrypto: SHA-256 (util/sha256.c) */
LAZY(LAZY_CRYPTO, int, SHA256_Init, (SHA256_CTX * c), (c))
LAZY(LAZY_CRYPTO, int, SHA256_Update, (SHA256_CTX * c, const void *d, size_t n), (c, d, n))
LAZY(LAZY_CRYPTO, int, SHA256_Final, (unsigned char *md, SHA256_CTX *c), (md, c))
