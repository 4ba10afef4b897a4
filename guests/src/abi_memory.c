/* In-memory convention (docs/edge-functions.md 1.1): exports edge_alloc and edge_handle.
   Build with -DEDGE_FUNCTION_TRANSFORM, -DEDGE_FUNCTION_TELEMETRY or -DEDGE_FUNCTION_SCREENING.

   Memory: a bump allocator from __heap_base, growing linear memory as needed; nothing is ever freed within a
   request. The first edge_alloc of a request (the first after the previous edge_handle, or the first ever)
   rewinds the bump pointer to the heap base, so an instance reused for many requests needs only as much
   memory as its largest request. The previous result and response are dead by then: the host copies them out
   before it sends the next request. edge_handle allocates after the input, so the input is never overwritten. */
#include "edge.h"
#if defined(EDGE_FUNCTION_TRANSFORM)
#include "transform.h"
#elif defined(EDGE_FUNCTION_TELEMETRY)
#include "telemetry.h"
__attribute__((import_module("edgebook"), import_name("request_time_ms"))) extern int64_t edgebook_request_time_ms(void);
#elif defined(EDGE_FUNCTION_SCREENING)
#include "screening.h"
#else
#error "define EDGE_FUNCTION_TRANSFORM, EDGE_FUNCTION_TELEMETRY or EDGE_FUNCTION_SCREENING"
#endif

extern unsigned char __heap_base;

static uintptr_t bump;
static int rewind_next = 1;
static uint32_t result[3];

static uintptr_t heap_start(void) { return ((uintptr_t)&__heap_base + 15) & ~(uintptr_t)15; }

static void *bump_alloc(size_t n) {
    uintptr_t p = (bump + 15) & ~(uintptr_t)15;
    if (n > 0xFFFFFFFFu - p) return 0;
    uintptr_t end = p + n;
    size_t have = __builtin_wasm_memory_size(0) * 65536u;
    if (end > have) {
        size_t pages = (end - have + 65535u) / 65536u;
        if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return 0;
    }
    bump = end;
    return (void *)p;
}

void *edge_malloc(size_t n) {
    void *p = bump_alloc(n);
    if (!p) __builtin_trap();
    return p;
}

__attribute__((export_name("edge_alloc"))) uint8_t *edge_alloc(int32_t len) {
    if (rewind_next) {
        bump = heap_start();
        rewind_next = 0;
    }
    if (len < 0) return 0;
    return (uint8_t *)bump_alloc((size_t)len);
}

__attribute__((export_name("edge_handle"))) uint32_t *edge_handle(const uint8_t *ptr, int32_t len) {
    if (rewind_next) { /* no edge_alloc for this request: allocate past the input wherever it is */
        bump = heap_start();
        rewind_next = 0;
    }
    uintptr_t in_end = (uintptr_t)ptr + (uint32_t)len;
    if (in_end > bump) bump = in_end;
    edge_result r;
#if defined(EDGE_FUNCTION_TRANSFORM)
    transform(ptr, (size_t)(uint32_t)len, &r);
#elif defined(EDGE_FUNCTION_TELEMETRY)
    telemetry(ptr, (size_t)(uint32_t)len, edgebook_request_time_ms(), &r);
#else
    screening(ptr, (size_t)(uint32_t)len, &r);
#endif
    result[0] = (uint32_t)r.status;
    result[1] = (uint32_t)(uintptr_t)r.body;
    result[2] = (uint32_t)r.len;
    rewind_next = 1;
    return result;
}
