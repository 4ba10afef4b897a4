/* Probe guest, memory convention: edge_handle logs the request bytes through edgebook.log and answers
   200 {"request_time_ms":N} with N from edgebook.request_time_ms. */
#include <stdint.h>

__attribute__((import_module("edgebook"), import_name("log"))) extern void edgebook_log(const uint8_t *p, int32_t n);
__attribute__((import_module("edgebook"), import_name("request_time_ms"))) extern int64_t edgebook_request_time_ms(void);

extern unsigned char __heap_base;
static uint32_t result[3];
static uint8_t body[64];

/* One buffer at the heap base, grown to fit; each call reuses it. */
__attribute__((export_name("edge_alloc"))) uint8_t *edge_alloc(int32_t len) {
    uintptr_t p = ((uintptr_t)&__heap_base + 15) & ~(uintptr_t)15;
    if (len < 0) return 0;
    uintptr_t end = p + (uint32_t)len;
    uintptr_t have = __builtin_wasm_memory_size(0) * 65536u;
    if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535u) / 65536u) == (uintptr_t)-1) return 0;
    return (uint8_t *)p;
}

__attribute__((export_name("edge_handle"))) uint32_t *edge_handle(const uint8_t *ptr, int32_t len) {
    edgebook_log(ptr, len);
    int64_t t = edgebook_request_time_ms();
    static const char head[] = "{\"request_time_ms\":";
    uint32_t n = 0;
    for (const char *h = head; *h; h++) body[n++] = (uint8_t)*h;
    char tmp[24];
    int k = 0;
    uint64_t u = t < 0 ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
    do { tmp[k++] = (char)('0' + u % 10); u /= 10; } while (u);
    if (t < 0) tmp[k++] = '-';
    while (k) body[n++] = (uint8_t)tmp[--k];
    body[n++] = '}';
    result[0] = 200;
    result[1] = (uint32_t)(uintptr_t)body;
    result[2] = n;
    return result;
}
