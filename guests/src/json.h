/* Strict RFC 8259 scanner, docs/edge-functions.md section 2. */
#ifndef EDGE_JSON_H
#define EDGE_JSON_H
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 64

/* Validates the whole body. Returns 0 when valid; otherwise 1 with *err_off and *reason set. */
int json_validate(const uint8_t *s, size_t n, size_t *err_off, const char **reason);

/* The helpers below assume text that json_validate accepted. */
size_t json_ws(const uint8_t *s, size_t n, size_t i);
/* End (exclusive) of the value starting at s[i]. */
size_t json_value_end(const uint8_t *s, size_t n, size_t i);

/* Finds the last member named exactly key (as written, without quotes) in the object at s[obj].
   Returns 1 and sets [*vs, *ve) to the value's span, or 0 when absent. */
int json_obj_get(const uint8_t *s, size_t n, size_t obj, const char *key, size_t *vs, size_t *ve);

/* One walk over the object at s[obj] for `count` keys at once: for each key found (the last one, if repeated)
   sets [vs[k], ve[k]) and bit k of the result. Cheaper than count json_obj_get calls. */
unsigned json_obj_fields(const uint8_t *s, size_t n, size_t obj, const char *const *keys, const size_t *key_lens,
                         int count, size_t *vs, size_t *ve);

/* Iterates an array: *i must start at the '[' (state 0); returns 1 with the next element's span. */
typedef struct { size_t pos; int started; } json_iter;
void json_arr_begin(json_iter *it, size_t arr);
int json_arr_next(const uint8_t *s, size_t n, json_iter *it, size_t *vs, size_t *ve);

/* Iterates an object's members in order: start with json_arr_begin(&it, obj) (the '{'); returns 1 with the next
   member's key token [*ks, *ke) (quotes included) and value span [*vs, *ve), 0 after the last. */
int json_obj_next(const uint8_t *s, size_t n, json_iter *it, size_t *ks, size_t *ke, size_t *vs, size_t *ve);

static inline int json_is_number_start(uint8_t c) { return c == '-' || (c >= '0' && c <= '9'); }

#endif
