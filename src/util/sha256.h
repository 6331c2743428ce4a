/*
 * sha256: SHA-256 through OpenSSL's libcrypto, and the encodings we
 * print digests in (lower-case hex; urlsafe base64 without padding, as in a
 * wheel's RECORD).
 */
#ifndef BURROW_SHA256_H
#define BURROW_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_HEX_LEN 64
#define SHA256_B64_LEN 43

struct sha256 {
	void *ctx; /* SHA256_CTX */
};

/* 0, or -1 when OpenSSL cannot allocate a context. */
int sha256_begin(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *data, size_t len);
/* Writes the digest and frees the context. */
void sha256_end(struct sha256 *h, unsigned char out[SHA256_LEN]);
/* Frees the context without a digest (safe on a zeroed struct). */
void sha256_abort(struct sha256 *h);

/* out gets 64 hex digits and a NUL. */
void sha256_to_hex(const unsigned char digest[SHA256_LEN], char out[SHA256_HEX_LEN + 1]);
/* out gets 43 urlsafe base64 characters (no padding) and a NUL. */
void sha256_to_b64(const unsigned char digest[SHA256_LEN], char out[SHA256_B64_LEN + 1]);
/* 0, or -1 when s is not 64 hex digits; accepts upper case. */
int sha256_from_hex(const char *s, unsigned char out[SHA256_LEN]);
/* 1 when s is exactly 64 lower-case hex digits. */
int sha256_is_hex(const char *s);

/* Hashes len bytes at data into out (hex); -1 when OpenSSL fails. */
int sha256_buffer_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);
/* Hashes fd from its current offset to EOF; size gets the byte count.
 * -1 with errno on a read error. */
int sha256_fd(int fd, unsigned char out[SHA256_LEN], uint64_t *size);

/* Generic urlsafe base64 without padding: out needs 4*ceil(len/3)+1 bytes. */
void base64url_encode(const unsigned char *in, size_t len, char *out);

#endif
