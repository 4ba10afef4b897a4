/* WAGI convention (docs/edge-functions.md 1.2): a WASI command reading the body from stdin and writing a CGI
   response to stdout. Build with -DEDGE_FUNCTION_TRANSFORM, -DEDGE_FUNCTION_TELEMETRY or
   -DEDGE_FUNCTION_SCREENING. */
#include "edge.h"
#include <stdlib.h>
#include <unistd.h>
#if defined(EDGE_FUNCTION_TRANSFORM)
#include "transform.h"
#elif defined(EDGE_FUNCTION_TELEMETRY)
#include "telemetry.h"
#elif defined(EDGE_FUNCTION_SCREENING)
#include "screening.h"
#else
#error "define EDGE_FUNCTION_TRANSFORM, EDGE_FUNCTION_TELEMETRY or EDGE_FUNCTION_SCREENING"
#endif

void *edge_malloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}

static int write_all(const uint8_t *p, size_t n) {
    while (n) {
        ssize_t w = write(1, p, n);
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

#if defined(EDGE_FUNCTION_TELEMETRY)
/* X_REQUEST_TIME_MS as a signed decimal; 0 when absent or malformed. */
static int64_t request_time_ms(void) {
    const char *v = getenv("X_REQUEST_TIME_MS");
    if (!v || !*v) return 0;
    int neg = 0;
    if (*v == '-') { neg = 1; v++; }
    if (!*v) return 0;
    int64_t t = 0;
    for (; *v; v++) {
        if (*v < '0' || *v > '9' || t > 922337203685477579LL) return 0;
        t = t * 10 + (*v - '0');
    }
    return neg ? -t : t;
}
#endif

int main(void) {
    size_t cap = 65536, len = 0;
    uint8_t *buf = edge_malloc(cap);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf) abort();
        }
        ssize_t n = read(0, buf + len, cap - len);
        if (n < 0) return 1;
        if (n == 0) break;
        len += (size_t)n;
    }
    edge_result r;
#if defined(EDGE_FUNCTION_TRANSFORM)
    transform(buf, len, &r);
#elif defined(EDGE_FUNCTION_TELEMETRY)
    telemetry(buf, len, request_time_ms(), &r);
#else
    screening(buf, len, &r);
#endif
    char head[80];
    edge_out o = {(uint8_t *)head, 0};
    out_str(&o, "Status: ");
    out_u32(&o, (uint32_t)r.status);
    out_str(&o, "\nContent-Type: application/json\n\n");
    if (write_all(o.p, o.len) || write_all(r.body, r.len)) return 1;
    return 0;
}
