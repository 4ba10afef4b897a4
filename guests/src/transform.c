#include "transform.h"
#include "json.h"
#include "sha256.h"
#include "timestamp.h"

#define TS_PROBLEM "expected an epoch-millisecond integer or an ISO-8601 string with offset"

typedef struct {
    uint32_t es, ee; /* event_type token */
    uint32_t ps, pe; /* payload text */
    int64_t t;
} event_rec;

static void req_error(edge_result *r, const char *prefix, long index, const char *field, const char *problem) {
    edge_field_error(r, 400, "invalid_request", prefix, index, field, problem);
}

void transform(const uint8_t *s, size_t n, edge_result *r) {
    size_t off;
    const char *reason;
    if (json_validate(s, n, &off, &reason)) { edge_json_error(r, off, reason); return; }

    size_t root = json_ws(s, n, 0);
    if (s[root] != '{') { req_error(r, "body", -1, 0, "expected an object"); return; }

    size_t us, ue;
    if (!json_obj_get(s, n, root, "user_id", &us, &ue)) { req_error(r, "", -1, "user_id", "missing"); return; }
    if (s[us] != '"' && !json_is_number_start(s[us])) {
        req_error(r, "", -1, "user_id", "expected a string or a number");
        return;
    }

    size_t evs, eve;
    if (!json_obj_get(s, n, root, "events", &evs, &eve)) { req_error(r, "", -1, "events", "missing"); return; }
    if (s[evs] != '[') { req_error(r, "", -1, "events", "expected an array"); return; }

    size_t count = 0, vs, ve;
    json_iter it;
    json_arr_begin(&it, evs);
    while (json_arr_next(s, n, &it, &vs, &ve)) count++;

    event_rec *recs = (event_rec *)edge_malloc((count ? count : 1) * sizeof(event_rec));
    size_t elen_sum = 0;
    int64_t tmin = 0, tmax = 0;
    long i = 0;
    json_arr_begin(&it, evs);
    while (json_arr_next(s, n, &it, &vs, &ve)) {
        if (s[vs] != '{') { req_error(r, "events", i, 0, "expected an object"); return; }
        size_t fs, fe;
        if (!json_obj_get(s, n, vs, "event_type", &fs, &fe)) { req_error(r, "events", i, "event_type", "missing"); return; }
        if (s[fs] != '"') { req_error(r, "events", i, "event_type", "expected a string"); return; }
        if (fe - fs == 2) {
            edge_field_error(r, 422, "invalid_event", "events", i, "event_type", "must not be empty");
            return;
        }
        recs[i].es = (uint32_t)fs;
        recs[i].ee = (uint32_t)fe;
        elen_sum += fe - fs;
        if (!json_obj_get(s, n, vs, "timestamp", &fs, &fe)) { req_error(r, "events", i, "timestamp", "missing"); return; }
        int64_t t = 0;
        int ts = parse_timestamp(s, fs, fe, &t);
        if (ts == TS_BAD) { req_error(r, "events", i, "timestamp", TS_PROBLEM); return; }
        if (ts == TS_RANGE) { req_error(r, "events", i, "timestamp", "out of range"); return; }
        recs[i].t = t;
        if (i == 0 || t < tmin) tmin = t;
        if (i == 0 || t > tmax) tmax = t;
        if (!json_obj_get(s, n, vs, "payload", &fs, &fe)) { req_error(r, "events", i, "payload", "missing"); return; }
        recs[i].ps = (uint32_t)fs;
        recs[i].pe = (uint32_t)fe;
        i++;
    }

    size_t ms, me;
    if (!json_obj_get(s, n, root, "metadata", &ms, &me)) { req_error(r, "", -1, "metadata", "missing"); return; }
    if (s[ms] != '{') { req_error(r, "", -1, "metadata", "expected an object"); return; }
    size_t ts_, te_;
    if (!json_obj_get(s, n, ms, "trace_id", &ts_, &te_)) { req_error(r, "metadata", -1, "trace_id", "missing"); return; }
    if (s[ts_] != '"') { req_error(r, "metadata", -1, "trace_id", "expected a string"); return; }
    size_t ss, se;
    if (json_obj_get(s, n, ms, "source", &ss, &se) && s[ss] != '"') {
        req_error(r, "metadata", -1, "source", "expected a string");
        return;
    }

    size_t cap = 128 + (ue - us) + (te_ - ts_) + elen_sum + count * 96;
    edge_out o = {edge_malloc(cap), 0};
    out_str(&o, "{\"user_id\":");
    out_bytes(&o, s + us, ue - us);
    out_str(&o, ",\"processed_events\":[");
    static const char hex[] = "0123456789abcdef";
    for (size_t k = 0; k < count; k++) {
        if (k) out_str(&o, ",");
        out_str(&o, "{\"event_type\":");
        out_bytes(&o, s + recs[k].es, recs[k].ee - recs[k].es);
        out_str(&o, ",\"normalized_timestamp\":");
        out_i64(&o, recs[k].t);
        out_str(&o, ",\"hash\":\"");
        uint8_t h[32];
        sha256(s + recs[k].ps, recs[k].pe - recs[k].ps, h);
        for (int b = 0; b < 8; b++) {
            o.p[o.len++] = (uint8_t)hex[h[b] >> 4];
            o.p[o.len++] = (uint8_t)hex[h[b] & 15];
        }
        out_str(&o, "\"}");
    }
    out_str(&o, "],\"total_duration_ms\":");
    out_i64(&o, count ? tmax - tmin : 0);
    out_str(&o, ",\"trace_id\":");
    out_bytes(&o, s + ts_, te_ - ts_);
    out_str(&o, "}");
    r->status = 200;
    r->body = o.p;
    r->len = o.len;
}
