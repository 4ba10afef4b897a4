/* Timestamps, docs/edge-functions.md section 2. */
#ifndef EDGE_TIMESTAMP_H
#define EDGE_TIMESTAMP_H
#include <stddef.h>
#include <stdint.h>

#define TS_OK 0
#define TS_BAD 1   /* expected an epoch-millisecond integer or an ISO-8601 string with offset */
#define TS_RANGE 2 /* out of range */

/* The value at [vs, ve) of validated JSON text. */
int parse_timestamp(const uint8_t *s, size_t vs, size_t ve, int64_t *out_ms);

#endif
