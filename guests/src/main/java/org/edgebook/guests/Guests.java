package org.edgebook.guests;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The bundled guests, built by {@code guests/build.sh} and carried in this jar. */
public final class Guests {
    public static final String TRANSFORM_MEMORY = "transform-memory.wasm";
    public static final String TRANSFORM_WAGI = "transform-wagi.wasm";
    public static final String TELEMETRY_MEMORY = "telemetry-memory.wasm";
    public static final String TELEMETRY_WAGI = "telemetry-wagi.wasm";
    public static final String SCREENING_MEMORY = "screening-memory.wasm";
    public static final String SCREENING_WAGI = "screening-wagi.wasm";

    private Guests() {
    }

    /** The bytes of bundled guest {@code file} (for example {@link #TRANSFORM_MEMORY}). */
    public static byte[] read(final String file) {
        try (InputStream in = Guests.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalArgumentException("no bundled guest named " + file);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
