package org.edgebook.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.edgebook.engine.RejectReason;

/**
 * The HTTP status of a rejection, the error object, and JSON objects written by a generator. (A command's events are the pipeline's bytes:
 * {@link Replies}.) Stateless.
 */
final class ApiResponses {
    private static final JsonFactory JSON = new JsonFactory();

    private ApiResponses() {
    }

    /** 400 malformed, 404 unknown, 409 duplicate, 422 any other rejection. */
    static int statusOf(final RejectReason reason) {
        return switch (reason) {
            case MALFORMED -> 400;
            case UNKNOWN_ORDER, UNKNOWN_SYMBOL, UNKNOWN_ASSET, UNKNOWN_ACCOUNT -> 404;
            case DUPLICATE, DUPLICATE_ORDER_ID, DUPLICATE_TRANSFER -> 409;
            default -> 422;
        };
    }

    /** {@code {"error":"…","detail":"…"}}. */
    static byte[] error(final String error, final String detail) {
        return object(json -> {
            json.writeStringField("error", error);
            if (detail != null) {
                json.writeStringField("detail", detail);
            }
        });
    }

    /** The members of one JSON object. */
    @FunctionalInterface
    interface Fields {
        void write(JsonGenerator json) throws IOException;
    }

    /** A JSON object's UTF-8 bytes, written by a generator: every value escaped, never pasted into text. */
    static byte[] object(final Fields fields) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            fields.write(json);
            json.writeEndObject();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
