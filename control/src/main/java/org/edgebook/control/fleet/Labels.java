package org.edgebook.control.fleet;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.edgebook.control.ControlJson;

/**
 * A node's labels and region: their limits (at most {@link #MAX_LABELS} labels; keys and values of 1 to
 * {@link #MAX_TEXT} characters of {@code [A-Za-z0-9._-]}), read from a parser and kept as JSON text in the store.
 * <p>
 * Threading: stateless.
 */
public final class Labels {
    public static final int MAX_LABELS = 32;
    public static final int MAX_TEXT = 63;

    private Labels() {
    }

    /** Why {@code text} (a label key or value, or a region) named {@code field} is refused, or null. */
    public static String problem(final String field, final String text) {
        if (text.isEmpty() || text.length() > MAX_TEXT) {
            return field + " is 1 to " + MAX_TEXT + " characters, not " + text.length();
        }
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
                    || c == '-')) {
                return field + " holds '" + c + "'; use letters, digits, '.', '_' and '-'";
            }
        }
        return null;
    }

    /** Reads a labels object (the parser is on its START_OBJECT); throws naming {@code field} if it is refused. */
    public static Map<String, String> read(final JsonParser p, final String field) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new IllegalArgumentException(field + " is an object of strings");
        }
        final Map<String, String> labels = new TreeMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String key = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw new IllegalArgumentException(field + "." + key + " is a string");
            }
            final String problem = problem(field + " key", key);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            final String valueProblem = problem(field + "." + key, p.getText());
            if (valueProblem != null) {
                throw new IllegalArgumentException(valueProblem);
            }
            labels.put(key, p.getText());
            if (labels.size() > MAX_LABELS) {
                throw new IllegalArgumentException(field + " holds more than " + MAX_LABELS + " labels");
            }
        }
        return Collections.unmodifiableMap(labels);
    }

    /** The labels' JSON text, for the store. */
    public static String text(final Map<String, String> labels) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        try (JsonGenerator json = ControlJson.JSON.createGenerator(out)) {
            json.writeStartObject();
            for (final Map.Entry<String, String> e : labels.entrySet()) {
                json.writeStringField(e.getKey(), e.getValue());
            }
            json.writeEndObject();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Labels from their JSON text in the store. */
    public static Map<String, String> parse(final String text) {
        try (JsonParser p = ControlJson.JSON.createParser(text)) {
            p.nextToken();
            return read(p, "labels");
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
