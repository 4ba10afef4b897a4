package org.edgebook.control;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * JSON answers of the control plane (docs/control-plane.md): objects written by a generator, errors as
 * {@code {"error":"<code>","message":"…"}}, and the request's body.
 * <p>
 * Threading: stateless and thread-safe; answer on the request's own context.
 */
public final class ControlJson {
    /** The factory every part of the control plane writes and reads with. */
    public static final JsonFactory JSON = new JsonFactory();

    private ControlJson() {
    }

    /** The members of one JSON object. */
    @FunctionalInterface
    public interface Fields {
        void write(JsonGenerator json) throws IOException;
    }

    /** A JSON object's UTF-8 bytes, written by a generator. */
    public static byte[] object(final Fields fields) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            fields.write(json);
            json.writeEndObject();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A JSON object's text, written by a generator (for the store's detail columns). */
    public static String text(final Fields fields) {
        return new String(object(fields), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** {@code {"error":code,"message":message}}. */
    public static byte[] error(final String code, final String message) {
        return object(json -> {
            json.writeStringField("error", code);
            json.writeStringField("message", message);
        });
    }

    /** Writes {@code labels} as an object member named {@code field}. */
    public static void labels(final JsonGenerator json, final String field, final Map<String, String> labels)
            throws IOException {
        json.writeObjectFieldStart(field);
        for (final Map.Entry<String, String> e : labels.entrySet()) {
            json.writeStringField(e.getKey(), e.getValue());
        }
        json.writeEndObject();
    }

    /** Answers {@code status} with a JSON body, once: a request already answered is left alone. */
    public static void answer(final RoutingContext ctx, final int status, final byte[] body) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(Buffer.buffer(body));
    }

    /** Answers an error. */
    public static void refuse(final RoutingContext ctx, final int status, final String code, final String message) {
        answer(ctx, status, error(code, message));
    }

    /** The request's body, empty if it has none. */
    public static byte[] body(final RoutingContext ctx) {
        final Buffer body = ctx.body() == null ? null : ctx.body().buffer();
        return body == null ? new byte[0] : body.getBytes();
    }
}
