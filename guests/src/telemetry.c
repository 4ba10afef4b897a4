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
enum { F_NODE, F_TC, F_LAT, F_ERR, F_TS, F_COUNT };
static const char *const FIELD_KEYS[F_COUNT] = {"node_id", "transaction_count", "latency_ms", "error_rate",
                                                "timestamp"};
static const size_t FIELD_LENS[F_COUNT] = {7, 17, 10, 10, 9};

static int check_event(const uint8_t *s, size_t n, size_t vs, long index, tel_rec *rec, edge_result *r) {
    size_t fs, fe;
    size_t fvs[F_COUNT], fve[F_COUNT];
    num_parts p;
    if (s[vs] != '{') {
        if (index >= 0) req_error(r, index, 0, "expected an object");
        else edge_field_error(r, 400, "invalid_request", "body", -1, 0, "expected an object or an array");
        return 1;
    }
    unsigned have = json_obj_fields(s, n, vs, FIELD_KEYS, FIELD_LENS, F_COUNT, fvs, fve);
#define FIELD(f) ((have >> (f)) & 1u ? (fs = fvs[f], fe = fve[f], 1) : 0)
    if (!FIELD(F_NODE)) { req_error(r, index, "node_id", "missing"); return 1; }
    if (s[fs] != '"' || fe - fs == 2) { req_error(r, index, "node_id", "expected a non-empty string"); return 1; }
    rec->ns = (uint32_t)fs;
    rec->ne = (uint32_t)fe;

    if (!FIELD(F_TC)) { req_error(r, index, "transaction_count", "missing"); return 1; }
    /* "non-negative" is read as written: no minus sign at all, so -0 is refused */
    if (!split_number(s, fs, fe, &p) || p.neg || p.has_frac || p.has_exp || p.ie - p.is > 12) {
        req_error(r, index, "transaction_count", "expected a non-negative integer");
        return 1;
    }
    rec->tc = fixed_point(s, &p, 0);

    if (!FIELD(F_LAT)) { req_error(r, index, "latency_ms", "missing"); return 1; }
    if (!split_number(s, fs, fe, &p) || p.neg || p.has_exp || p.ie - p.is > 9) {
        req_error(r, index, "latency_ms", "expected a non-negative decimal number");
        return 1;
    }
    rec->l = fixed_point(s, &p, 3);

    if (!FIELD(F_ERR)) { req_error(r, index, "error_rate", "missing"); return 1; }
    /* digits past the sixth decimal are dropped first, then the value (in ppm) must be at most 1000000:
       1.0000009 is read as 1.000000 and accepted */
    if (!split_number(s, fs, fe, &p) || p.neg || p.has_exp || p.ie - p.is > 1 || fixed_point(s, &p, 6) > 1000000) {
        req_error(r, index, "error_rate", "expected a decimal number from 0 to 1");
        return 1;
    }
    rec->e = fixed_point(s, &p, 6);

    if (!FIELD(F_TS)) { req_error(r, index, "timestamp", "missing"); return 1; }
    int64_t t;
    int ts = parse_timestamp(s, fs, fe, &t);
    if (ts == TS_BAD) { req_error(r, index, "timestamp", TS_PROBLEM); return 1; }
    if (ts == TS_RANGE) { req_error(r, index, "timestamp", "out of range"); return 1; }
#undef FIELD
    return 0;
}

/* The k-th smallest of v[0..n) (0-based); v is reordered so that v[0..k) <= v[k] <= v[k+1..n).
   Quickselect with a median-of-three pivot: no function pointers (qsort's comparator costs an indirect call per
   comparison, which is slow in a WebAssembly runtime). */
static int64_t kth(int64_t *v, size_t n, size_t k) {
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t a = v[lo], b = v[mid], c = v[hi];
        int64_t pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                int64_t t = v[i]; v[i] = v[j]; v[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else return v[k];
    }
    return v[k];
}

/* Median of v[0..n), n > 0: for an even count the two middle values' sum halved (values are non-negative, so
   truncation rounds down). v is reordered. */
static int64_t median(int64_t *v, size_t n) {
    if (n & 1) return kth(v, n, n / 2);
    int64_t lower = kth(v, n, n / 2 - 1);
    int64_t upper = v[n / 2];
    for (size_t j = n / 2 + 1; j < n; j++) if (v[j] < upper) upper = v[j];
    return (lower + upper) / 2;
}

/* median and MAD of v[0..k) (v is reordered; tmp has room for k values) */
static void baseline(int64_t *v, int64_t *tmp, size_t k, int64_t *med, int64_t *mad) {
    int64_t m = median(v, k);
    for (size_t j = 0; j < k; j++) tmp[j] = v[j] >= m ? v[j] - m : m - v[j];
    *med = m;
    *mad = median(tmp, k);
}

static uint32_t node_hash(const uint8_t *p, size_t len) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

static int same_node(const uint8_t *s, const tel_rec *x, const tel_rec *y) {
    size_t len = x->ne - x->ns;
    if (y->ne - y->ns != len) return 0;
    for (size_t i = 0; i < len; i++) if (s[x->ns + i] != s[y->ns + i]) return 0;
    return 1;
}

/* Gives each node (node_id as written) with at least 8 events its own baseline from those events. */
static void node_baselines(const uint8_t *s, tel_rec *recs, size_t count) {
    size_t slots = 16;
    while (slots < 2 * count) slots <<= 1;
    int32_t *table = (int32_t *)edge_malloc(slots * sizeof(int32_t)); /* slot -> group, -1 when empty */
    uint32_t *group = (uint32_t *)edge_malloc(count * sizeof(uint32_t));
    uint32_t *first = (uint32_t *)edge_malloc(count * sizeof(uint32_t)); /* group -> its first event */
    uint32_t *size = (uint32_t *)edge_malloc((count + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < slots; i++) table[i] = -1;
    uint32_t groups = 0;
    for (size_t k = 0; k < count; k++) {
        size_t i = node_hash(s + recs[k].ns, recs[k].ne - recs[k].ns) & (slots - 1);
        while (table[i] >= 0 && !same_node(s, &recs[first[table[i]]], &recs[k])) i = (i + 1) & (slots - 1);
        if (table[i] < 0) {
            table[i] = (int32_t)groups;
            first[groups] = (uint32_t)k;
            size[groups] = 0;
            groups++;
        }
        group[k] = (uint32_t)table[i];
        size[group[k]]++;
    }
    /* members of each group, in request order (a counting sort by group) */
    uint32_t *start = (uint32_t *)edge_malloc((groups + 1) * sizeof(uint32_t));
    uint32_t *members = (uint32_t *)edge_malloc(count * sizeof(uint32_t));
    start[0] = 0;
    for (uint32_t g = 0; g < groups; g++) start[g + 1] = start[g] + size[g];
    for (uint32_t g = 0; g < groups; g++) size[g] = start[g];
    for (size_t k = 0; k < count; k++) members[size[group[k]]++] = (uint32_t)k;
    int64_t *vl = (int64_t *)edge_malloc(count * sizeof(int64_t));
    int64_t *ve = (int64_t *)edge_malloc(count * sizeof(int64_t));
    int64_t *tmp = (int64_t *)edge_malloc(count * sizeof(int64_t));
    for (uint32_t g = 0; g < groups; g++) {
        size_t m = start[g + 1] - start[g];
        if (m < 8) continue;
        const uint32_t *mine = members + start[g];
        for (size_t j = 0; j < m; j++) { vl[j] = recs[mine[j]].l; ve[j] = recs[mine[j]].e; }
        int64_t medl, madl, mede, made;
        baseline(vl, tmp, m, &medl, &madl);
        baseline(ve, tmp, m, &mede, &made);
        for (size_t j = 0; j < m; j++) {
            tel_rec *x = &recs[mine[j]];
            x->medl = medl; x->madl = madl; x->mede = mede; x->made = made;
        }
    }
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
    if (count >= 8) node_baselines(s, recs, count);

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
