package org.edgebook.journal;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Times as the journal keeps them, microseconds since the epoch (UTC), and back: one place for the arithmetic and the
 * forms reports and tools accept. Stateless and thread-safe.
 */
public final class UtcMicros {
    private static final DateTimeFormatter REPORT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    private UtcMicros() {
    }

    public static long of(final Instant instant) {
        return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1_000;
    }

    public static Instant instant(final long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000L);
    }

    /** Always six fractional digits, as reports print execution times. */
    public static String reportText(final long micros) {
        return REPORT.format(instant(micros));
    }

    /**
     * A date ({@code 2026-11-21}, its start in UTC) or a UTC instant ({@code 2026-11-21T09:30:00Z}).
     *
     * @throws java.time.format.DateTimeParseException if it is neither
     */
    public static long parse(final String text) {
        return of(text.length() == 10 ? LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant()
                : Instant.parse(text));
    }
}
