#include "json.h"
#include <string.h>

static int is_ws(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static int is_hex(uint8_t c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

size_t json_ws(const uint8_t *s, size_t n, size_t i) {
    while (i < n && is_ws(s[i])) i++;
    return i;
}

#define FAIL(off, why) do { *err_off = (off); *reason = (why); return 1; } while (0)
#define R_EOF "unexpected end of input"
#define R_CHAR "unexpected character"
#define R_NUM "invalid number"
#define R_ESC "invalid escape"
#define R_CTRL "control character in string"
#define R_DEEP "nesting deeper than 64"
#define R_TRAIL "trailing characters"

/* Scans a string whose opening quote is at *pi. */
static int scan_string(const uint8_t *s, size_t n, size_t *pi, size_t *err_off, const char **reason) {
    size_t i = *pi + 1;
    for (;;) {
        if (i >= n) FAIL(n, R_EOF);
        uint8_t c = s[i];
        if (c == '"') { *pi = i + 1; return 0; }
        if (c == '\\') {
            i++;
            if (i >= n) FAIL(n, R_EOF);
            c = s[i];
            if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
                i++;
            } else if (c == 'u') {
                i++;
                for (int k = 0; k < 4; k++, i++) {
                    if (i >= n) FAIL(n, R_ESC);
                    if (!is_hex(s[i])) FAIL(i, R_ESC);
                }
            } else {
                FAIL(i, R_ESC);
            }
        } else if (c < 0x20) {
            FAIL(i, R_CTRL);
        } else {
            i++;
        }
    }
}

static int scan_number(const uint8_t *s, size_t n, size_t *pi, size_t *err_off, const char **reason) {
    size_t i = *pi;
    if (s[i] == '-') {
        i++;
        if (i >= n) FAIL(n, R_EOF);
        if (!is_digit(s[i])) FAIL(i, R_NUM);
    }
    if (s[i] == '0') i++;
    else while (i < n && is_digit(s[i])) i++;
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n) FAIL(n, R_EOF);
        if (!is_digit(s[i])) FAIL(i, R_NUM);
        while (i < n && is_digit(s[i])) i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i >= n) FAIL(n, R_EOF);
        if (s[i] == '+' || s[i] == '-') {
            i++;
            if (i >= n) FAIL(n, R_EOF);
        }
        if (!is_digit(s[i])) FAIL(i, R_NUM);
        while (i < n && is_digit(s[i])) i++;
    }
    *pi = i;
    return 0;
}

static int scan_literal(const uint8_t *s, size_t n, size_t *pi, const char *lit, size_t *err_off, const char **reason) {
    size_t i = *pi;
    for (const char *p = lit; *p; p++, i++) {
        if (i >= n) FAIL(n, R_EOF);
        if (s[i] != (uint8_t)*p) FAIL(i, R_CHAR);
    }
    *pi = i;
    return 0;
}

int json_validate(const uint8_t *s, size_t n, size_t *err_off, const char **reason) {
    uint8_t stack[JSON_MAX_DEPTH];
    int depth = 0;
    size_t i = json_ws(s, n, 0);
value:
    if (i >= n) FAIL(n, R_EOF);
    switch (s[i]) {
    case '{':
        if (depth == JSON_MAX_DEPTH) FAIL(i, R_DEEP);
        stack[depth++] = '{';
        i = json_ws(s, n, i + 1);
        if (i >= n) FAIL(n, R_EOF);
        if (s[i] == '}') { i++; depth--; goto after; }
        if (s[i] != '"') FAIL(i, R_CHAR);
        goto key;
    case '[':
        if (depth == JSON_MAX_DEPTH) FAIL(i, R_DEEP);
        stack[depth++] = '[';
        i = json_ws(s, n, i + 1);
        if (i >= n) FAIL(n, R_EOF);
        if (s[i] == ']') { i++; depth--; goto after; }
        goto value;
    case '"':
        if (scan_string(s, n, &i, err_off, reason)) return 1;
        goto after;
    case 't':
        if (scan_literal(s, n, &i, "true", err_off, reason)) return 1;
        goto after;
    case 'f':
        if (scan_literal(s, n, &i, "false", err_off, reason)) return 1;
        goto after;
    case 'n':
        if (scan_literal(s, n, &i, "null", err_off, reason)) return 1;
        goto after;
    default:
        if (json_is_number_start(s[i])) {
            if (scan_number(s, n, &i, err_off, reason)) return 1;
            goto after;
        }
        FAIL(i, R_CHAR);
    }
key:
    if (scan_string(s, n, &i, err_off, reason)) return 1;
    i = json_ws(s, n, i);
    if (i >= n) FAIL(n, R_EOF);
    if (s[i] != ':') FAIL(i, R_CHAR);
    i = json_ws(s, n, i + 1);
    goto value;
after:
    i = json_ws(s, n, i);
    if (depth == 0) {
        if (i < n) FAIL(i, R_TRAIL);
        return 0;
    }
    if (i >= n) FAIL(n, R_EOF);
    if (s[i] == ',') {
        i = json_ws(s, n, i + 1);
        if (stack[depth - 1] == '{') {
            if (i >= n) FAIL(n, R_EOF);
            if (s[i] != '"') FAIL(i, R_CHAR);
            goto key;
        }
        goto value;
    }
    if (s[i] == (stack[depth - 1] == '{' ? '}' : ']')) { i++; depth--; goto after; }
    FAIL(i, R_CHAR);
}

static size_t string_end(const uint8_t *s, size_t n, size_t i) {
    i++;
    while (i < n) {
        if (s[i] == '"') return i + 1;
        if (s[i] == '\\') i += 2; else i++;
    }
    return n;
}

size_t json_value_end(const uint8_t *s, size_t n, size_t i) {
    uint8_t c = s[i];
    if (c == '"') return string_end(s, n, i);
    if (c == 't' || c == 'n') return i + 4;
    if (c == 'f') return i + 5;
    if (c == '{' || c == '[') {
        size_t depth = 0;
        while (i < n) {
            c = s[i];
            if (c == '"') { i = string_end(s, n, i); continue; }
            if (c == '{' || c == '[') depth++;
            else if (c == '}' || c == ']') { if (--depth == 0) return i + 1; }
            i++;
        }
        return n;
    }
    /* number */
    i++;
    while (i < n) {
        c = s[i];
        if (is_digit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') i++;
        else break;
    }
    return i;
}

unsigned json_obj_fields(const uint8_t *s, size_t n, size_t obj, const char *const *keys, const size_t *key_lens,
                         int count, size_t *vs, size_t *ve) {
    unsigned found = 0;
    size_t i = json_ws(s, n, obj + 1);
    if (s[i] == '}') return 0;
    for (;;) {
        size_t ks = i;
        size_t kend = string_end(s, n, i);
        i = json_ws(s, n, kend);
        i = json_ws(s, n, i + 1); /* past ':' */
        size_t e = json_value_end(s, n, i);
        size_t klen = kend - ks - 2;
        for (int k = 0; k < count; k++) {
            if (key_lens[k] != klen) continue;
            const uint8_t *a = s + ks + 1;
            const char *b = keys[k];
            size_t j = 0;
            while (j < klen && a[j] == (uint8_t)b[j]) j++;
            if (j == klen) {
                vs[k] = i; ve[k] = e; found |= 1u << k;
                break;
            }
        }
        i = json_ws(s, n, e);
        if (s[i] == '}') return found;
        i = json_ws(s, n, i + 1); /* past ',' */
    }
}

int json_obj_get(const uint8_t *s, size_t n, size_t obj, const char *key, size_t *vs, size_t *ve) {
    const size_t len = strlen(key);
    return json_obj_fields(s, n, obj, &key, &len, 1, vs, ve) != 0;
}

void json_arr_begin(json_iter *it, size_t arr) { it->pos = arr; it->started = 0; }

int json_arr_next(const uint8_t *s, size_t n, json_iter *it, size_t *vs, size_t *ve) {
    size_t i;
    if (!it->started) {
        i = json_ws(s, n, it->pos + 1); /* past '[' */
        if (s[i] == ']') return 0;
    } else {
        i = json_ws(s, n, it->pos); /* after the last element */
        if (s[i] == ']') return 0;
        i = json_ws(s, n, i + 1); /* past ',' */
    }
    it->started = 1;
    *vs = i;
    *ve = json_value_end(s, n, i);
    it->pos = *ve;
    return 1;
}

int json_obj_next(const uint8_t *s, size_t n, json_iter *it, size_t *ks, size_t *ke, size_t *vs, size_t *ve) {
    size_t i;
    if (!it->started) {
        i = json_ws(s, n, it->pos + 1); /* past '{' */
    } else {
        i = json_ws(s, n, it->pos); /* after the last value */
        if (s[i] == '}') return 0;
        i = json_ws(s, n, i + 1); /* past ',' */
    }
    if (s[i] == '}') return 0;
    it->started = 1;
    *ks = i;
    *ke = string_end(s, n, i);
    i = json_ws(s, n, *ke);
    i = json_ws(s, n, i + 1); /* past ':' */
    *vs = i;
    *ve = json_value_end(s, n, i);
    it->pos = *ve;
    return 1;
}
