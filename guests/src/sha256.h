/* SHA-256 (FIPS 180-4), one-shot. */
#ifndef EDGE_SHA256_H
#define EDGE_SHA256_H
#include <stddef.h>
#include <stdint.h>
void sha256(const uint8_t *data, size_t len, uint8_t out[32]);
#endif
