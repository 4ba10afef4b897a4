#include "edge.h"

void out_u32(edge_out *o, uint32_t v) {
    char tmp[12];
    int n = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) o->p[o->len++] = (uint8_t)tmp[--n];
}

void out_i64(edge_out *o, int64_t v) {
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) tmp[n++] = '-';
    while (n) o->p[o->len++] = (uint8_t)tmp[--n];
}

void edge_json_error(edge_result *r, size_t off, const char *reason) {
    edge_out o = {edge_malloc(160), 0};
    out_str(&o, "{\"error\":\"invalid_json\",\"message\":\"invalid JSON at byte ");
    out_u32(&o, (uint32_t)off);
    out_str(&o, ": ");
    out_str(&o, reason);
    out_str(&o, "\"}");
    r->status = 400;
    r->body = o.p;
    r->len = o.len;
}

void edge_field_error(edge_result *r, int status, const char *err, const char *prefix, long index,
                      const char *field, const char *problem) {
    edge_out o = {edge_malloc(320), 0};
    out_str(&o, "{\"error\":\"");
    out_str(&o, err);
    out_str(&o, "\",\"message\":\"");
    out_str(&o, prefix);
    if (index >= 0) {
        out_str(&o, "[");
        out_u32(&o, (uint32_t)index);
        out_str(&o, "]");
    }
    if (field) {
        if (prefix[0] || index >= 0) out_str(&o, ".");
        out_str(&o, field);
    }
    out_str(&o, ": ");
    out_str(&o, problem);
    out_str(&o, "\"}");
    r->status = status;
    r->body = o.p;
    r->len = o.len;
}
