#include "telemetry.h"
#include "json.h"
#include "timestamp.h"
#include <stdlib.h>
#include <string.h>

#define TS_PROBLEM "expected an epoch-millisecond integer or an ISO-8601 string with offset"

typedef struct {
    uint32_t ns, ne;     /* node_id token */
    int64_t tc;          /* transaction_count */
    int64_t l, e;        /* latency in microseconds, error rate in ppm */
    int64_t medl, madl, mede, made;
} tel_rec;

static int digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* Number token [vs, ve): sign, integer digits, fraction digits, exponent. Returns 0 when not a number. */
typedef struct { int neg, has_exp, has_frac; size_t is, ie, fs, fe; } num_parts;

static int split_number(const uint8_t *s, size_t vs, size_t ve, num_parts *p) {
    if (!json_is_number_start(s[vs])) return 0;
    size_t i = vs;
    memset(p, 0, sizeof *p);
    if (s[i] == '-') { p->neg = 1; i++; }
    p->is = i;
    while (i < ve && digit(s[i])) i++;
    p->ie = i;
    p->fs = p->fe = i;
    if (i < ve && s[i] == '.') {
        p->has_frac = 1;
        i++;
        p->fs = i;
        while (i < ve && digit(s[i])) i++;
        p->fe = i;
    }
    if (i < ve) p->has_exp = 1;
    return 1;
}

/* integer part * scale + the first `places` fraction digits (truncated). */
static int64_t fixed_point(const uint8_t *s, const num_parts *p, int places) {
    int64_t v = 0;
    for (size_t k = p->is; k < p->ie; k++) v = v * 10 + (s[k] - '0');
    for (int d = 0; d < places; d++) {
        size_t k = p->fs + (size_t)d;
        v = v * 10 + (k < p->fe ? (s[k] - '0') : 0);
    }
    return v;
}

static void req_error(edge_result *r, long index, const char *field, const char *problem) {
    edge_field_error(r, 400, "invalid_request", "", index, field, problem);
}

/* Returns 0 when the element is valid (rec filled), 1 when r holds the error. */
static int check_event(const uint8_t *s, size_t n, size_t vs, long index, tel_rec *rec, edge_result *r) {
    size_t fs, fe;
    num_parts p;
    if (s[vs] != '{') {
        if (index >= 0) req_error(r, index, 0, "expected an object");
        else edge_field_error(r, 400, "invalid_request", "body", -1, 0, "expected an object or an array");
        return 1;
    }
    if (!json_obj_get(s, n, vs, "node_id", &fs, &fe)) { req_error(r, index, "node_id", "missing"); return 1; }
    if (s[fs] != '"' || fe - fs == 2) { req_error(r, index, "node_id", "expected a non-empty string"); return 1; }
    rec->ns = (uint32_t)fs;
    rec->ne = (uint32_t)fe;

    if (!json_obj_get(s, n, vs, "transaction_count", &fs, &fe)) { req_error(r, index, "transaction_count", "missing"); return 1; }
    /* "non-negative" is read as written: no minus sign at all, so -0 is refused */
    if (!split_number(s, fs, fe, &p) || p.neg || p.has_frac || p.has_exp || p.ie - p.is > 12) {
        req_error(r, index, "transaction_count", "expected a non-negative integer");
        return 1;
    }
    rec->tc = fixed_point(s, &p, 0);

    if (!json_obj_get(s, n, vs, "latency_ms", &fs, &fe)) { req_error(r, index, "latency_ms", "missing"); return 1; }
    if (!split_number(s, fs, fe, &p) || p.neg || p.has_exp || p.ie - p.is > 9) {
        req_error(r, index, "latency_ms", "expected a non-negative decimal number");
        return 1;
    }
    rec->l = fixed_point(s, &p, 3);

    if (!json_obj_get(s, n, vs, "error_rate", &fs, &fe)) { req_error(r, index, "error_rate", "missing"); return 1; }
    /* digits past the sixth decimal are dropped first, then the value (in ppm) must be at most 1000000:
       1.0000009 is read as 1.000000 and accepted */
    if (!split_number(s, fs, fe, &p) || p.neg || p.has_exp || p.ie - p.is > 1 || fixed_point(s, &p, 6) > 1000000) {
        req_error(r, index, "error_rate", "expected a decimal number from 0 to 1");
        return 1;
    }
    rec->e = fixed_point(s, &p, 6);

    if (!json_obj_get(s, n, vs, "timestamp", &fs, &fe)) { req_error(r, index, "timestamp", "missing"); return 1; }
    int64_t t;
    int ts = parse_timestamp(s, fs, fe, &t);
    if (ts == TS_BAD) { req_error(r, index, "timestamp", TS_PROBLEM); return 1; }
    if (ts == TS_RANGE) { req_error(r, index, "timestamp", "out of range"); return 1; }
    return 0;
}

static const uint8_t *g_src;
static tel_rec *g_recs;

static int cmp_node(const void *a, const void *b) {
    const tel_rec *x = &g_recs[*(const uint32_t *)a], *y = &g_recs[*(const uint32_t *)b];
    size_t lx = x->ne - x->ns, ly = y->ne - y->ns;
    int c = memcmp(g_src + x->ns, g_src + y->ns, lx < ly ? lx : ly);
    if (c) return c;
    if (lx != ly) return lx < ly ? -1 : 1;
    uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
    return ia < ib ? -1 : ia > ib;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t median_sorted(const int64_t *v, size_t k) {
    if (k & 1) return v[k / 2];
    return (v[k / 2 - 1] + v[k / 2]) / 2; /* non-negative values: halving truncates = rounds down */
}

/* median and MAD of v[0..k) (v is reordered; tmp has room for k values) */
static void baseline(int64_t *v, int64_t *tmp, size_t k, int64_t *med, int64_t *mad) {
    qsort(v, k, sizeof(int64_t), cmp_i64);
    int64_t m = median_sorted(v, k);
    for (size_t j = 0; j < k; j++) tmp[j] = v[j] >= m ? v[j] - m : m - v[j];
    qsort(tmp, k, sizeof(int64_t), cmp_i64);
    *med = m;
    *mad = median_sorted(tmp, k);
}

static int64_t zscore(int64_t x, int64_t med, int64_t mad) {
    return 6745 * (x - med) / (10 * mad); /* C division truncates toward zero */
}

void telemetry(const uint8_t *s, size_t n, int64_t now, edge_result *r) {
    size_t off;
    const char *reason;
    if (json_validate(s, n, &off, &reason)) { edge_json_error(r, off, reason); return; }

    size_t root = json_ws(s, n, 0);
    int batch = s[root] == '[';
    if (!batch && s[root] != '{') {
        edge_field_error(r, 400, "invalid_request", "body", -1, 0, "expected an object or an array");
        return;
    }

    size_t count = 0, vs, ve;
    json_iter it;
    if (batch) {
        json_arr_begin(&it, root);
        while (json_arr_next(s, n, &it, &vs, &ve)) count++;
    } else {
        count = 1;
    }
    tel_rec *recs = (tel_rec *)edge_malloc((count ? count : 1) * sizeof(tel_rec));
    size_t nlen_sum = 0;
    if (batch) {
        long i = 0;
        json_arr_begin(&it, root);
        while (json_arr_next(s, n, &it, &vs, &ve)) {
            if (check_event(s, n, vs, i, &recs[i], r)) return;
            nlen_sum += recs[i].ne - recs[i].ns;
            i++;
        }
    } else {
        if (check_event(s, n, root, -1, &recs[0], r)) return;
        nlen_sum = recs[0].ne - recs[0].ns;
    }

    /* baselines: defaults, replaced per node when it has at least 8 events */
    for (size_t k = 0; k < count; k++) {
        recs[k].medl = 100000; recs[k].madl = 20000;
        recs[k].mede = 10000; recs[k].made = 5000;
    }
    if (count >= 8) {
        uint32_t *idx = (uint32_t *)edge_malloc(count * sizeof(uint32_t));
        int64_t *va = (int64_t *)edge_malloc(count * sizeof(int64_t));
        int64_t *vb = (int64_t *)edge_malloc(count * sizeof(int64_t));
        for (size_t k = 0; k < count; k++) idx[k] = (uint32_t)k;
        g_src = s;
        g_recs = recs;
        qsort(idx, count, sizeof(uint32_t), cmp_node);
        size_t a = 0;
        while (a < count) {
            size_t b = a + 1;
            tel_rec *first = &recs[idx[a]];
            size_t fl = first->ne - first->ns;
            while (b < count) {
                tel_rec *x = &recs[idx[b]];
                if (x->ne - x->ns != fl || memcmp(s + x->ns, s + first->ns, fl) != 0) break;
                b++;
            }
            size_t k = b - a;
            if (k >= 8) {
                int64_t medl, madl, mede, made;
                for (size_t j = 0; j < k; j++) va[j] = recs[idx[a + j]].l;
                baseline(va, vb, k, &medl, &madl);
                for (size_t j = 0; j < k; j++) va[j] = recs[idx[a + j]].e;
                baseline(va, vb, k, &mede, &made);
                for (size_t j = a; j < b; j++) {
                    tel_rec *x = &recs[idx[j]];
                    x->medl = medl; x->madl = madl; x->mede = mede; x->made = made;
                }
            }
            a = b;
        }
    }

    size_t cap = 64 + nlen_sum + count * 112;
    edge_out o = {edge_malloc(cap), 0};
    if (batch) out_str(&o, "[");
    for (size_t k = 0; k < count; k++) {
        tel_rec *x = &recs[k];
        int64_t madl = x->madl < 1000 ? 1000 : x->madl;
        int64_t made = x->made < 1000 ? 1000 : x->made;
        int64_t score = 0;
        int64_t zl = zscore(x->l, x->medl, madl);
        if (zl > score) score = zl;
        if (x->tc > 0) {
            int64_t ze = zscore(x->e, x->mede, made);
            if (ze > score) score = ze;
        }
        if (score > 999999) score = 999999;
        if (k) out_str(&o, ",");
        out_str(&o, "{\"node_id\":");
        out_bytes(&o, s + x->ns, x->ne - x->ns);
        out_str(&o, ",\"anomaly_score\":");
        out_u32(&o, (uint32_t)(score / 1000));
        out_str(&o, ".");
        o.p[o.len++] = (uint8_t)('0' + score / 100 % 10);
        o.p[o.len++] = (uint8_t)('0' + score / 10 % 10);
        o.p[o.len++] = (uint8_t)('0' + score % 10);
        out_str(&o, ",\"should_alert\":");
        out_str(&o, score >= 3500 ? "true" : "false");
        out_str(&o, ",\"processed_timestamp\":");
        out_i64(&o, now);
        out_str(&o, "}");
    }
    if (batch) out_str(&o, "]");
    r->status = 200;
    r->body = o.p;
    r->len = o.len;
}
