/* Shared between the functions and the two entry shims. */
#ifndef EDGE_EDGE_H
#define EDGE_EDGE_H
#include <stddef.h>
#include <stdint.h>

/* Provided by the shim: abi_memory.c uses a bump allocator, abi_wagi.c uses malloc. Never returns NULL
   (the shim traps when out of memory). Memory is not zeroed. */
void *edge_malloc(size_t n);

typedef struct {
    int status;
    uint8_t *body;
    size_t len;
} edge_result;

/* A write cursor over a buffer sized in advance. */
typedef struct { uint8_t *p; size_t len; } edge_out;

static inline void out_bytes(edge_out *o, const void *src, size_t n) {
    const uint8_t *s = (const uint8_t *)src;
    for (size_t i = 0; i < n; i++) o->p[o->len + i] = s[i];
    o->len += n;
}
static inline void out_str(edge_out *o, const char *s) {
    while (*s) o->p[o->len++] = (uint8_t)*s++;
}
void out_i64(edge_out *o, int64_t v);
void out_u32(edge_out *o, uint32_t v);

/* Error answers (section 2). */
void edge_json_error(edge_result *r, size_t off, const char *reason);
/* {"error":ERR,"message":"PATH: PROBLEM"}; path_prefix/index/field compose PATH:
   prefix "events" + index 3 + field "timestamp" -> events[3].timestamp; index < 0 omits [i]. */
void edge_field_error(edge_result *r, int status, const char *err, const char *prefix, long index,
                      const char *field, const char *problem);

#endif
