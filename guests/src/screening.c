/* Transaction screening, docs/edge-functions.md section 5: amount and velocity limits plus an anomaly score.
   Every amount is an int64_t count of its asset's units; no floating point anywhere (build.sh checks the module). */
#include "screening.h"
#include "json.h"

#define MAX_COUNT 999999999
#define MAX_SCORE_THRESHOLD 1001
#define MAX_DECIMALS 18

enum { DEC_OK, DEC_SYNTAX, DEC_DECIMALS, DEC_RANGE };

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* {"error":"invalid_request","message":"BEFORE NAME AFTER: PROBLEM[NUMBER TAIL]"}; name is copied as written. */
static void fail(edge_result *r, const char *before, const uint8_t *name, size_t name_len, const char *after,
                 const char *problem, int number, const char *tail) {
    edge_out o = {edge_malloc(200 + name_len), 0};
    out_str(&o, "{\"error\":\"invalid_request\",\"message\":\"");
    out_str(&o, before);
    out_bytes(&o, name, name_len);
    out_str(&o, after);
    out_str(&o, ": ");
    out_str(&o, problem);
    if (number >= 0) out_u32(&o, (uint32_t)number);
    out_str(&o, tail);
    out_str(&o, "\"}");
    r->status = 400;
    r->body = o.p;
    r->len = o.len;
}

static void fail_at(edge_result *r, const char *path, const char *problem) {
    fail(r, path, 0, 0, "", problem, -1, "");
}

static void answer(edge_result *r, const char *decision, const char *reason, int64_t score) {
    edge_out o = {edge_malloc(96), 0};
    out_str(&o, "{\"decision\":\"");
    out_str(&o, decision);
    out_str(&o, "\"");
    if (reason) {
        out_str(&o, ",\"reason\":\"");
        out_str(&o, reason);
        out_str(&o, "\"");
    }
    if (score >= 0) {
        out_str(&o, ",\"score\":");
        out_i64(&o, score);
    }
    out_str(&o, "}");
    r->status = 200;
    r->body = o.p;
    r->len = o.len;
}

static int nonempty_string(const uint8_t *s, size_t vs, size_t ve) { return s[vs] == '"' && ve - vs > 2; }

/* The token [vs, ve) is exactly `lit` (quotes included), as written. */
static int token_is(const uint8_t *s, size_t vs, size_t ve, const char *lit) {
    size_t k = 0;
    for (; vs + k < ve; k++) {
        if (!lit[k] || s[vs + k] != (uint8_t)lit[k]) return 0;
    }
    return lit[k] == 0;
}

/* A JSON string holding (0|[1-9][0-9]*)(\.[0-9]+)? and nothing else. */
static int decimal_syntax(const uint8_t *s, size_t vs, size_t ve) {
    if (s[vs] != '"') return 0;
    size_t i = vs + 1, e = ve - 1;
    if (i >= e) return 0;
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < e && is_digit(s[i])) i++;
    } else {
        return 0;
    }
    if (i == e) return 1;
    if (s[i] != '.') return 0;
    i++;
    if (i == e) return 0;
    while (i < e && is_digit(s[i])) i++;
    return i == e;
}

/* A decimal (syntax checked) as its significant digits: *m the integer of its digits without the point and without
   trailing fractional zeros, *frac how many fraction digits that leaves. DEC_RANGE when *m would pass INT64_MAX. */
typedef struct { size_t from, point, end; size_t frac; } dec_parts;

static void split(const uint8_t *s, size_t vs, size_t ve, dec_parts *d) {
    size_t e = ve - 1;
    d->from = vs + 1;
    d->point = e;
    for (size_t k = d->from; k < e; k++) {
        if (s[k] == '.') { d->point = k; break; }
    }
    d->end = e;
    if (d->point < e) {
        while (d->end > d->point + 1 && s[d->end - 1] == '0') d->end--;
        d->frac = d->end - d->point - 1;
        if (d->frac == 0) d->end = d->point;
    } else {
        d->frac = 0;
    }
}

static int digits(const uint8_t *s, const dec_parts *d, int64_t *m) {
    int64_t v = 0;
    for (size_t k = d->from; k < d->end; k++) {
        if (k == d->point) continue;
        int64_t digit = s[k] - '0';
        if (v > (INT64_MAX - digit) / 10) return DEC_RANGE;
        v = v * 10 + digit;
    }
    *m = v;
    return DEC_OK;
}

/* The decimal at [vs, ve) in units of 10^-dec. */
static int read_units(const uint8_t *s, size_t vs, size_t ve, int dec, int64_t *out) {
    if (!decimal_syntax(s, vs, ve)) return DEC_SYNTAX;
    dec_parts d;
    split(s, vs, ve, &d);
    if (d.frac > (size_t)dec) return DEC_DECIMALS;
    int64_t m;
    if (digits(s, &d, &m)) return DEC_RANGE;
    for (size_t k = d.frac; k < (size_t)dec; k++) {
        if (m > INT64_MAX / 10) return DEC_RANGE;
        m *= 10;
    }
    *out = m;
    return DEC_OK;
}

/* A JSON integer, digits only, from 0 to max. Returns 0 when it is one. */
static int read_count(const uint8_t *s, size_t vs, size_t ve, int64_t max, int64_t *out) {
    if (!is_digit(s[vs]) || ve - vs > 10) return 1;
    int64_t v = 0;
    for (size_t k = vs; k < ve; k++) {
        if (!is_digit(s[k])) return 1;
        v = v * 10 + (s[k] - '0');
    }
    if (v > max) return 1;
    *out = v;
    return 0;
}

/* min(cap, v * k / t) for v, k >= 0, t > 0, cap > 0, exactly: the product is 128-bit. */
static int64_t ratio_capped(int64_t v, int64_t k, int64_t t, int64_t cap) {
    unsigned __int128 num = (unsigned __int128)(uint64_t)v * (uint64_t)k;
    if (num >= (unsigned __int128)(uint64_t)cap * (uint64_t)t) return cap;
    return (int64_t)(num / (uint64_t)t);
}

enum { T_TYPE, T_ACCOUNT, T_TRANSFER_ID, T_ASSET, T_TO, T_AMOUNT, T_CLIENT_ORDER_ID, T_SYMBOL, T_SIDE, T_PRICE,
       T_QUANTITY, T_COUNT };
static const char *const TX_KEYS[T_COUNT] = {"type", "account", "transferId", "asset", "to", "amount",
                                             "clientOrderId", "symbol", "side", "price", "quantity"};
static const size_t TX_LENS[T_COUNT] = {4, 7, 10, 5, 2, 6, 13, 6, 4, 5, 8};

enum { A_DECIMALS, A_MAX_AMOUNT, A_MAX_COUNT_MINUTE, A_MAX_AMOUNT_MINUTE, A_MAX_COUNT_HOUR, A_MAX_AMOUNT_HOUR,
       A_COUNT };
static const char *const ASSET_KEYS[A_COUNT] = {"decimals", "maxAmount", "maxCountMinute", "maxAmountMinute",
                                                "maxCountHour", "maxAmountHour"};
static const size_t ASSET_LENS[A_COUNT] = {8, 9, 14, 15, 12, 13};

/* One named object member: 1 with its span, 0 when absent. */
static int member(const uint8_t *s, size_t n, size_t obj, const char *key, size_t key_len, size_t *vs, size_t *ve) {
    return json_obj_fields(s, n, obj, &key, &key_len, 1, vs, ve) != 0;
}

/* Reads config.assets.A.<field> (a count when is_count, else a decimal at dec). Returns 1 when r holds the error. */
static int limit_field(const uint8_t *s, unsigned have, const size_t *fvs, const size_t *fve, int f, int is_count,
                       int dec, const uint8_t *name, size_t name_len, int64_t *out, edge_result *r) {
    char after[24];
    edge_out a = {(uint8_t *)after, 0};
    out_str(&a, ".");
    out_str(&a, ASSET_KEYS[f]);
    after[a.len] = 0;
    if (!((have >> f) & 1u)) {
        fail(r, "config.assets.", name, name_len, after, "missing", -1, "");
        return 1;
    }
    if (is_count) {
        if (read_count(s, fvs[f], fve[f], MAX_COUNT, out)) {
            fail(r, "config.assets.", name, name_len, after, "expected an integer from 0 to 999999999", -1, "");
            return 1;
        }
        return 0;
    }
    int rc = read_units(s, fvs[f], fve[f], dec, out);
    if (rc == DEC_SYNTAX) fail(r, "config.assets.", name, name_len, after, "expected a decimal string", -1, "");
    else if (rc == DEC_DECIMALS) fail(r, "config.assets.", name, name_len, after, "more than ", dec, " decimals");
    else if (rc == DEC_RANGE) fail(r, "config.assets.", name, name_len, after, "out of range", -1, "");
    return rc != DEC_OK;
}

/* activity.<window>.A when present: its count and amount (0 and 0 when absent). Returns 1 when r holds the error. */
static int activity_entry(const uint8_t *s, size_t n, size_t window, const char *before, const uint8_t *name,
                          size_t name_len, int dec, int64_t *count, int64_t *amount, edge_result *r) {
    size_t vs, ve, fs, fe;
    *count = 0;
    *amount = 0;
    if (!member(s, n, window, (const char *)name, name_len, &vs, &ve)) return 0;
    if (s[vs] != '{') { fail(r, before, name, name_len, "", "expected an object", -1, ""); return 1; }
    if (!member(s, n, vs, "count", 5, &fs, &fe)) { fail(r, before, name, name_len, ".count", "missing", -1, ""); return 1; }
    if (read_count(s, fs, fe, MAX_COUNT, count)) {
        fail(r, before, name, name_len, ".count", "expected an integer from 0 to 999999999", -1, "");
        return 1;
    }
    if (!member(s, n, vs, "amount", 6, &fs, &fe)) { fail(r, before, name, name_len, ".amount", "missing", -1, ""); return 1; }
    int rc = read_units(s, fs, fe, dec, amount);
    if (rc == DEC_SYNTAX) fail(r, before, name, name_len, ".amount", "expected a decimal string", -1, "");
    else if (rc == DEC_DECIMALS) fail(r, before, name, name_len, ".amount", "more than ", dec, " decimals");
    else if (rc == DEC_RANGE) fail(r, before, name, name_len, ".amount", "out of range", -1, "");
    return rc != DEC_OK;
}

/* t + v > limit, without overflow (all non-negative) */
static int over(int64_t t, int64_t v, int64_t limit) { return v > limit || t > limit - v; }

void screening(const uint8_t *s, size_t n, edge_result *r) {
    size_t off;
    const char *reason;
    if (json_validate(s, n, &off, &reason)) { edge_json_error(r, off, reason); return; }
    size_t root = json_ws(s, n, 0);
    if (s[root] != '{') { fail_at(r, "body", "expected an object"); return; }

    static const char *const TOP_KEYS[3] = {"tx", "activity", "config"};
    static const size_t TOP_LENS[3] = {2, 8, 6};
    size_t top_vs[3], top_ve[3];
    unsigned top = json_obj_fields(s, n, root, TOP_KEYS, TOP_LENS, 3, top_vs, top_ve);

    /* 2-5: the transaction */
    if (!(top & 1u)) { fail_at(r, "tx", "missing"); return; }
    size_t tx = top_vs[0];
    if (s[tx] != '{') { fail_at(r, "tx", "expected an object"); return; }
    size_t tvs[T_COUNT], tve[T_COUNT];
    unsigned th = json_obj_fields(s, n, tx, TX_KEYS, TX_LENS, T_COUNT, tvs, tve);
#define TX_HAS(f) ((th >> (f)) & 1u)
    if (!TX_HAS(T_TYPE)) { fail_at(r, "tx.type", "missing"); return; }
    int place;
    if (token_is(s, tvs[T_TYPE], tve[T_TYPE], "\"transfer\"")) place = 0;
    else if (token_is(s, tvs[T_TYPE], tve[T_TYPE], "\"place\"")) place = 1;
    else { fail_at(r, "tx.type", "expected transfer or place"); return; }
    if (!TX_HAS(T_ACCOUNT)) { fail_at(r, "tx.account", "missing"); return; }
    if (!nonempty_string(s, tvs[T_ACCOUNT], tve[T_ACCOUNT])) {
        fail_at(r, "tx.account", "expected a non-empty string");
        return;
    }
    static const int TRANSFER_NAMES[3] = {T_TRANSFER_ID, T_ASSET, T_TO};
    static const int PLACE_NAMES[2] = {T_CLIENT_ORDER_ID, T_SYMBOL};
    static const char *const PATHS[T_COUNT] = {"tx.type", "tx.account", "tx.transferId", "tx.asset", "tx.to",
                                               "tx.amount", "tx.clientOrderId", "tx.symbol", "tx.side", "tx.price",
                                               "tx.quantity"};
    const int *names = place ? PLACE_NAMES : TRANSFER_NAMES;
    for (int k = 0; k < (place ? 2 : 3); k++) {
        int f = names[k];
        if (!TX_HAS(f)) { fail_at(r, PATHS[f], "missing"); return; }
        if (!nonempty_string(s, tvs[f], tve[f])) { fail_at(r, PATHS[f], "expected a non-empty string"); return; }
    }
    if (place) {
        if (!TX_HAS(T_SIDE)) { fail_at(r, "tx.side", "missing"); return; }
        if (!token_is(s, tvs[T_SIDE], tve[T_SIDE], "\"BUY\"") && !token_is(s, tvs[T_SIDE], tve[T_SIDE], "\"SELL\"")) {
            fail_at(r, "tx.side", "expected BUY or SELL");
            return;
        }
    }
    static const int TRANSFER_DECIMALS[1] = {T_AMOUNT};
    static const int PLACE_DECIMALS[2] = {T_PRICE, T_QUANTITY};
    const int *decimals = place ? PLACE_DECIMALS : TRANSFER_DECIMALS;
    for (int k = 0; k < (place ? 2 : 1); k++) {
        int f = decimals[k];
        if (!TX_HAS(f)) { fail_at(r, PATHS[f], "missing"); return; }
        if (!decimal_syntax(s, tvs[f], tve[f])) { fail_at(r, PATHS[f], "expected a decimal string"); return; }
    }

    /* 6: the activity */
    if (!(top & 2u)) { fail_at(r, "activity", "missing"); return; }
    size_t act = top_vs[1];
    if (s[act] != '{') { fail_at(r, "activity", "expected an object"); return; }
    static const char *const WINDOW_KEYS[2] = {"lastMinute", "lastHour"};
    static const size_t WINDOW_LENS[2] = {10, 8};
    size_t wvs[2], wve[2];
    unsigned wh = json_obj_fields(s, n, act, WINDOW_KEYS, WINDOW_LENS, 2, wvs, wve);
    if (!(wh & 1u)) { fail_at(r, "activity.lastMinute", "missing"); return; }
    if (s[wvs[0]] != '{') { fail_at(r, "activity.lastMinute", "expected an object"); return; }
    if (!(wh & 2u)) { fail_at(r, "activity.lastHour", "missing"); return; }
    if (s[wvs[1]] != '{') { fail_at(r, "activity.lastHour", "expected an object"); return; }

    /* 7: the config */
    if (!(top & 4u)) { fail_at(r, "config", "missing"); return; }
    size_t cfg = top_vs[2];
    if (s[cfg] != '{') { fail_at(r, "config", "expected an object"); return; }
    static const char *const CONFIG_KEYS[4] = {"holdScore", "rejectScore", "assets", "symbols"};
    static const size_t CONFIG_LENS[4] = {9, 11, 6, 7};
    size_t cvs[4], cve[4];
    unsigned ch = json_obj_fields(s, n, cfg, CONFIG_KEYS, CONFIG_LENS, 4, cvs, cve);
    int64_t hold_score, reject_score;
    if (!(ch & 1u)) { fail_at(r, "config.holdScore", "missing"); return; }
    if (read_count(s, cvs[0], cve[0], MAX_SCORE_THRESHOLD, &hold_score)) {
        fail_at(r, "config.holdScore", "expected an integer from 0 to 1001");
        return;
    }
    if (!(ch & 2u)) { fail_at(r, "config.rejectScore", "missing"); return; }
    if (read_count(s, cvs[1], cve[1], MAX_SCORE_THRESHOLD, &reject_score)) {
        fail_at(r, "config.rejectScore", "expected an integer from 0 to 1001");
        return;
    }
    if (!(ch & 4u)) { fail_at(r, "config.assets", "missing"); return; }
    if (s[cvs[2]] != '{') { fail_at(r, "config.assets", "expected an object"); return; }
    if (place) {
        if (!(ch & 8u)) { fail_at(r, "config.symbols", "missing"); return; }
        if (s[cvs[3]] != '{') { fail_at(r, "config.symbols", "expected an object"); return; }
    }

    /* 8: the asset */
    const uint8_t *name;
    size_t name_len, vs, ve;
    if (place) {
        const uint8_t *sym = s + tvs[T_SYMBOL] + 1;
        size_t sym_len = tve[T_SYMBOL] - tvs[T_SYMBOL] - 2;
        if (!member(s, n, cvs[3], (const char *)sym, sym_len, &vs, &ve)) {
            answer(r, "hold", "UNKNOWN_SYMBOL", -1);
            return;
        }
        if (!nonempty_string(s, vs, ve)) {
            fail(r, "config.symbols.", sym, sym_len, "", "expected a non-empty string", -1, "");
            return;
        }
        name = s + vs + 1;
        name_len = ve - vs - 2;
    } else {
        name = s + tvs[T_ASSET] + 1;
        name_len = tve[T_ASSET] - tvs[T_ASSET] - 2;
    }
    if (!member(s, n, cvs[2], (const char *)name, name_len, &vs, &ve)) {
        answer(r, "hold", "UNKNOWN_ASSET", -1);
        return;
    }

    /* 9: the asset's limits */
    if (s[vs] != '{') { fail(r, "config.assets.", name, name_len, "", "expected an object", -1, ""); return; }
    size_t avs[A_COUNT], ave[A_COUNT];
    unsigned ah = json_obj_fields(s, n, vs, ASSET_KEYS, ASSET_LENS, A_COUNT, avs, ave);
    int64_t dec64;
    if (!(ah & 1u)) { fail(r, "config.assets.", name, name_len, ".decimals", "missing", -1, ""); return; }
    if (read_count(s, avs[A_DECIMALS], ave[A_DECIMALS], MAX_DECIMALS, &dec64)) {
        fail(r, "config.assets.", name, name_len, ".decimals", "expected an integer from 0 to 18", -1, "");
        return;
    }
    int dec = (int)dec64;
    int64_t max_amount, max_count_minute, max_amount_minute, max_count_hour, max_amount_hour;
    if (limit_field(s, ah, avs, ave, A_MAX_AMOUNT, 0, dec, name, name_len, &max_amount, r)) return;
    if (limit_field(s, ah, avs, ave, A_MAX_COUNT_MINUTE, 1, dec, name, name_len, &max_count_minute, r)) return;
    if (limit_field(s, ah, avs, ave, A_MAX_AMOUNT_MINUTE, 0, dec, name, name_len, &max_amount_minute, r)) return;
    if (limit_field(s, ah, avs, ave, A_MAX_COUNT_HOUR, 1, dec, name, name_len, &max_count_hour, r)) return;
    if (limit_field(s, ah, avs, ave, A_MAX_AMOUNT_HOUR, 0, dec, name, name_len, &max_amount_hour, r)) return;

    /* 10: the amount */
    int64_t v;
    if (!place) {
        int rc = read_units(s, tvs[T_AMOUNT], tve[T_AMOUNT], dec, &v);
        if (rc == DEC_DECIMALS) { fail(r, "tx.amount", 0, 0, "", "more than ", dec, " decimals"); return; }
        if (rc == DEC_RANGE) { fail_at(r, "tx.amount", "out of range"); return; }
    } else {
        dec_parts p, q;
        int64_t mp, mq;
        split(s, tvs[T_PRICE], tve[T_PRICE], &p);
        if (digits(s, &p, &mp)) { fail_at(r, "tx.price", "out of range"); return; }
        split(s, tvs[T_QUANTITY], tve[T_QUANTITY], &q);
        if (digits(s, &q, &mq)) { fail_at(r, "tx.quantity", "out of range"); return; }
        if (p.frac + q.frac > (size_t)dec) {
            fail(r, "tx", 0, 0, "", "price * quantity has more than ", dec, " decimals");
            return;
        }
        unsigned __int128 notional = (unsigned __int128)(uint64_t)mp * (uint64_t)mq;
        for (size_t k = p.frac + q.frac; k < (size_t)dec && notional <= (unsigned __int128)INT64_MAX; k++) {
            notional *= 10;
        }
        if (notional > (unsigned __int128)INT64_MAX) { fail_at(r, "tx", "price * quantity out of range"); return; }
        v = (int64_t)notional;
    }

    /* 11: the activity in this asset */
    int64_t nm, tm, nh, thr;
    if (activity_entry(s, n, wvs[0], "activity.lastMinute.", name, name_len, dec, &nm, &tm, r)) return;
    if (activity_entry(s, n, wvs[1], "activity.lastHour.", name, name_len, dec, &nh, &thr, r)) return;

    /* 5.3: the score */
    int64_t a = 0;
    if (nh > 0) {
        if (thr == 0) {
            a = v > 0 ? 500 : 0;
        } else {
            int64_t ratio = ratio_capped(v, 100 * nh, thr, 2100);
            a = ratio <= 100 ? 0 : (ratio - 100) / 4;
            if (a > 500) a = 500;
        }
    }
    int64_t b;
    int64_t c = nm + 1;
    if (max_count_minute == 0) b = 200;
    else if (2 * c <= max_count_minute) b = 0;
    else {
        b = 400 * c / max_count_minute - 200;
        if (b > 200) b = 200;
    }
    int64_t new_asset = 0;
    if (nh == 0) {
        json_iter it;
        size_t ks, ke, mvs, mve;
        json_arr_begin(&it, wvs[1]);
        while (json_obj_next(s, n, &it, &ks, &ke, &mvs, &mve)) {
            size_t klen = ke - ks - 2;
            size_t j = 0;
            if (klen == name_len) {
                while (j < klen && s[ks + 1 + j] == name[j]) j++;
            }
            if (klen != name_len || j != klen) { new_asset = 150; break; }
        }
    }
    int64_t d;
    if (max_amount == 0) {
        d = v > 0 ? 150 : 0;
    } else {
        int64_t share = ratio_capped(v, 1000, max_amount, 1000);
        d = share <= 500 ? 0 : (share - 500) * 3 / 10;
    }
    int64_t score = a + b + new_asset + d;

    /* 5.4: the decision */
    if (v > max_amount) answer(r, "reject", "AMOUNT_LIMIT", score);
    else if (score >= reject_score) answer(r, "reject", "ANOMALY_SCORE", score);
    else if (nm + 1 > max_count_minute) answer(r, "hold", "VELOCITY_COUNT_MINUTE", score);
    else if (over(tm, v, max_amount_minute)) answer(r, "hold", "VELOCITY_AMOUNT_MINUTE", score);
    else if (nh + 1 > max_count_hour) answer(r, "hold", "VELOCITY_COUNT_HOUR", score);
    else if (over(thr, v, max_amount_hour)) answer(r, "hold", "VELOCITY_AMOUNT_HOUR", score);
    else if (score >= hold_score) answer(r, "hold", "ANOMALY_SCORE", score);
    else answer(r, "accept", 0, score);
#undef TX_HAS
}
