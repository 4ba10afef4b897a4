package org.edgebook.codec;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * What the JSON lines writers share: one Jackson generator over an output stream, no separator between root values
 * (each writer ends its lines itself), and flush and close that leave the stream itself open.
 */
abstract class JsonLinesOutput implements Flushable, AutoCloseable {
    protected final JsonGenerator json;

    JsonLinesOutput(final OutputStream out) {
        try {
            this.json = new JsonFactory().setRootValueSeparator(null).createGenerator(out, JsonEncoding.UTF8);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    }

    @Override
    public void flush() {
        try {
            json.flush();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Flushes; the underlying stream stays open. */
    @Override
    public void close() {
        try {
            json.close();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
