#include "timestamp.h"

#define TS_MIN (-62135596800000LL)
#define TS_MAX (253402300799999LL)

static int dig(uint8_t c) { return c >= '0' && c <= '9'; }

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int num2(const uint8_t *p, int *v) {
    if (!dig(p[0]) || !dig(p[1])) return 0;
    *v = (p[0] - '0') * 10 + (p[1] - '0');
    return 1;
}

static int parse_iso(const uint8_t *p, size_t len, int64_t *out) {
    int y, mo, d, h, mi, se, oh = 0, om = 0, ms = 0, sign = 0;
    if (len < 20) return TS_BAD;
    int hi, lo;
    if (!num2(p, &hi) || !num2(p + 2, &lo)) return TS_BAD;
    y = hi * 100 + lo;
    if (p[4] != '-' || !num2(p + 5, &mo) || p[7] != '-' || !num2(p + 8, &d) || p[10] != 'T' ||
        !num2(p + 11, &h) || p[13] != ':' || !num2(p + 14, &mi) || p[16] != ':' || !num2(p + 17, &se))
        return TS_BAD;
    size_t i = 19;
    if (p[i] == '.') {
        i++;
        size_t fs = i;
        while (i < len && dig(p[i])) {
            if (i - fs < 3) ms = ms * 10 + (p[i] - '0');
            i++;
        }
        size_t nd = i - fs;
        if (nd < 1 || nd > 9) return TS_BAD;
        for (size_t k = nd; k < 3; k++) ms *= 10;
    }
    if (i >= len) return TS_BAD;
    if (p[i] == 'Z') {
        i++;
    } else if (p[i] == '+' || p[i] == '-') {
        sign = p[i] == '+' ? 1 : -1;
        if (len - i < 6) return TS_BAD;
        if (!num2(p + i + 1, &oh) || p[i + 3] != ':' || !num2(p + i + 4, &om)) return TS_BAD;
        i += 6;
    } else {
        return TS_BAD;
    }
    if (i != len) return TS_BAD;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59 || oh > 23 || om > 59) return TS_BAD;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int dim = mdays[mo - 1] + (mo == 2 && leap);
    if (d > dim) return TS_BAD;
    int64_t t = days_from_civil(y, mo, d) * 86400000LL + (int64_t)h * 3600000 + (int64_t)mi * 60000 + (int64_t)se * 1000 + ms;
    t -= (int64_t)sign * ((int64_t)oh * 3600000 + (int64_t)om * 60000);
    *out = t;
    return TS_OK;
}

int parse_timestamp(const uint8_t *s, size_t vs, size_t ve, int64_t *out_ms) {
    uint8_t c = s[vs];
    if (c == '"') {
        const uint8_t *p = s + vs + 1;
        size_t len = ve - vs - 2;
        for (size_t k = 0; k < len; k++) if (p[k] == '\\') return TS_BAD;
        return parse_iso(p, len, out_ms);
    }
    if (c != '-' && !dig(c)) return TS_BAD;
    size_t i = vs;
    int neg = 0;
    if (s[i] == '-') { neg = 1; i++; }
    for (size_t k = i; k < ve; k++) if (!dig(s[k])) return TS_BAD; /* fraction or exponent */
    if (ve - i > 15) return TS_RANGE;
    int64_t v = 0;
    for (; i < ve; i++) v = v * 10 + (s[i] - '0');
    if (neg) v = -v;
    if (v < TS_MIN || v > TS_MAX) return TS_RANGE;
    *out_ms = v;
    return TS_OK;
}
