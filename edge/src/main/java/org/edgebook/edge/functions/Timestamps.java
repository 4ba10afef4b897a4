package org.edgebook.edge.functions;

import org.edgebook.edge.json.JsonTape;

/**
 * Reads a timestamp field as docs/edge-functions.md section 2 defines it: an epoch-millisecond integer, or an ISO-8601
 * string with an offset, to UTC epoch milliseconds. Written by hand rather than with java.time so that it accepts
 * exactly what the WebAssembly guests accept.
 */
final class Timestamps {
    static final long MIN_MILLIS = -62_135_596_800_000L;
    static final long MAX_MILLIS = 253_402_300_799_999L;
    static final String WRONG_TYPE = "expected an epoch-millisecond integer or an ISO-8601 string with offset";

    private Timestamps() {
    }

    /** Why a timestamp was refused: the PROBLEM half of {@code PATH: PROBLEM}, the caller knows the path. */
    static final class Refused extends Exception {
        static final Refused MISSING = new Refused("missing");
        static final Refused WRONG = new Refused(WRONG_TYPE);
        static final Refused RANGE = new Refused("out of range");

        private Refused(final String problem) {
            super(problem, null, false, false);
        }
    }

    /** The timestamp at {@code node} (-1 when absent) in UTC epoch milliseconds. */
    static long read(final JsonTape tape, final int node) throws Refused {
        if (node < 0) {
            throw Refused.MISSING;
        }
        final byte[] b = tape.body();
        if (tape.type(node) == JsonTape.NUMBER) {
            return integer(b, tape.start(node), tape.end(node));
        }
        if (tape.type(node) == JsonTape.STRING) {
            final long millis = iso(b, tape.start(node) + 1, tape.end(node) - 1);
            if (millis != Long.MIN_VALUE) {
                return millis;
            }
        }
        throw Refused.WRONG;
    }

    private static long integer(final byte[] b, final int start, final int end) throws Refused {
        final boolean negative = b[start] == '-';
        final int first = negative ? start + 1 : start;
        for (int i = first; i < end; i++) {
            if (b[i] < '0' || b[i] > '9') {
                throw Refused.WRONG;
            }
        }
        if (end - first > 15) {
            throw Refused.RANGE;
        }
        long value = 0;
        for (int i = first; i < end; i++) {
            value = value * 10 + (b[i] - '0');
        }
        value = negative ? -value : value;
        if (value < MIN_MILLIS || value > MAX_MILLIS) {
            throw Refused.RANGE;
        }
        return value;
    }

    /** {@code YYYY-MM-DDTHH:MM:SS[.F]OFFSET} in {@code b[start, end)}, or Long.MIN_VALUE if it does not match. */
    static long iso(final byte[] b, final int start, final int end) {
        if (end - start < 20) {
            return Long.MIN_VALUE;
        }
        final int year = number(b, start, 4);
        final int month = number(b, start + 5, 2);
        final int day = number(b, start + 8, 2);
        final int hour = number(b, start + 11, 2);
        final int minute = number(b, start + 14, 2);
        final int second = number(b, start + 17, 2);
        if (b[start + 4] != '-' || b[start + 7] != '-' || b[start + 10] != 'T' || b[start + 13] != ':'
                || b[start + 16] != ':' || year < 1 || month < 1 || month > 12 || day < 1
                || day > daysInMonth(year, month) || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59) {
            return Long.MIN_VALUE;
        }
        int p = start + 19;
        int millis = 0;
        if (b[p] == '.') {
            p++;
            final int first = p;
            while (p < end && b[p] >= '0' && b[p] <= '9') {
                if (p - first < 3) {
                    millis = millis * 10 + (b[p] - '0');
                }
                p++;
            }
            final int digits = p - first;
            if (digits < 1 || digits > 9) {
                return Long.MIN_VALUE;
            }
            for (int i = digits; i < 3; i++) {
                millis *= 10;
            }
        }
        long offsetMillis;
        if (p == end - 1 && b[p] == 'Z') {
            offsetMillis = 0;
        } else if (p == end - 6 && (b[p] == '+' || b[p] == '-') && b[p + 3] == ':') {
            final int offsetHours = number(b, p + 1, 2);
            final int offsetMinutes = number(b, p + 4, 2);
            if (offsetHours < 0 || offsetHours > 23 || offsetMinutes < 0 || offsetMinutes > 59) {
                return Long.MIN_VALUE;
            }
            offsetMillis = (offsetHours * 60L + offsetMinutes) * 60_000L;
            if (b[p] == '-') {
                offsetMillis = -offsetMillis;
            }
        } else {
            return Long.MIN_VALUE;
        }
        final long days = daysFromCivil(year, month, day);
        return days * 86_400_000L + ((hour * 60L + minute) * 60L + second) * 1000L + millis - offsetMillis;
    }

    /** The value of {@code count} ASCII digits at {@code at}, or -1 if any is not a digit. */
    private static int number(final byte[] b, final int at, final int count) {
        int value = 0;
        for (int i = at; i < at + count; i++) {
            if (b[i] < '0' || b[i] > '9') {
                return -1;
            }
            value = value * 10 + (b[i] - '0');
        }
        return value;
    }

    private static int daysInMonth(final int year, final int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
    static long daysFromCivil(final int year, final int month, final int day) {
        final int y = month <= 2 ? year - 1 : year;
        final int era = (y >= 0 ? y : y - 399) / 400;
        final int yearOfEra = y - era * 400;
        final int dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        final int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097L + dayOfEra - 719_468L;
    }
}
