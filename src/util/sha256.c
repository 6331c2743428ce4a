/*
 * sha256: SHA-256 and digest encodings (see sha256.h).
 *
 * OpenSSL's low-level SHA256_* functions, not EVP: in OpenSSL 3, the first
 * EVP digest of a process initialises the provider machinery (reads
 * openssl.cnf, builds the name maps) and every EVP_DigestInit_ex fetches the
 * algorithm again; measured with callgrind, about 5 million instructions
 * (2 ms) per process, more than a whole warm install's own work.  The
 * low-level functions are deprecated in 3.0 but present in every 3.x, and
 * run the same assembly.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "util/sha256.h"

#include <errno.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sha256_begin(struct sha256 *h)
{
	SHA256_CTX *c = malloc(sizeof(*c));

	h->ctx = NULL;
	if (!c)
		return -1;
	if (SHA256_Init(c) != 1) {
		free(c);
		return -1;
	}
	h->ctx = c;
	return 0;
}

void sha256_update(struct sha256 *h, const void *data, size_t len)
{
	if (len)
		SHA256_Update(h->ctx, data, len);
}

void sha256_end(struct sha256 *h, unsigned char out[SHA256_LEN])
{
	SHA256_Final(out, h->ctx);
	free(h->ctx);
	h->ctx = NULL;
}

void sha256_abort(struct sha256 *h)
{
	free(h->ctx);
	h->ctx = NULL;
}

void sha256_to_hex(const unsigned char d[SHA256_LEN], char out[SHA256_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < SHA256_LEN; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[SHA256_HEX_LEN] = '\0';
}

void base64url_encode(const unsigned char *in, size_t len, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
	}
	if (len - i == 1) {
		unsigned v = (unsigned)in[i] << 16;
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
	} else if (len - i == 2) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
	}
	out[o] = '\0';
}

void sha256_to_b64(const unsigned char d[SHA256_LEN], char out[SHA256_B64_LEN + 1])
{
	base64url_encode(d, SHA256_LEN, out);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sha256_from_hex(const char *s, unsigned char out[SHA256_LEN])
{
	int i;

	for (i = 0; i < SHA256_LEN; i++) {
		int hi, lo;

		if (!s[2 * i] || !s[2 * i + 1])
			return -1;
		hi = hexval((unsigned char)s[2 * i]);
		lo = hexval((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return s[SHA256_HEX_LEN] ? -1 : 0;
}

int sha256_is_hex(const char *s)
{
	int i;

	for (i = 0; i < SHA256_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[SHA256_HEX_LEN] == '\0';
}

int sha256_buffer_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
	struct sha256 h;
	unsigned char d[SHA256_LEN];

	if (sha256_begin(&h) < 0)
		return -1;
	sha256_update(&h, data, len);
	sha256_end(&h, d);
	sha256_to_hex(d, out);
	return 0;
}

int sha256_fd(int fd, unsigned char out[SHA256_LEN], uint64_t *size)
{
	struct sha256 h;
	unsigned char buf[65536];
	uint64_t total = 0;
	ssize_t n;

	if (sha256_begin(&h) < 0) {
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sha256_abort(&h);
			return -1;
		}
		if (n == 0)
			break;
		sha256_update(&h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	sha256_end(&h, out);
	if (size)
		*size = total;
	return 0;
}
