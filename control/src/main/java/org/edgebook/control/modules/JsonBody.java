package org.edgebook.control.modules;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.edgebook.codec.CanonicalJson;

/**
 * Reads a request body into the values {@link CanonicalJson} writes: a {@link Map} (members in order), a {@link List},
 * a {@link String}, a {@link Long}, a {@link Boolean}, {@link CanonicalJson#NULL}. Unlike {@link CanonicalJson}'s
 * reader it takes strings up to {@link #MAX_STRING_CHARS} (a 16 MiB module in base64); like it, it refuses numbers
 * that are not integers of at most 2^53 - 1 and a member named twice. Every refusal is a {@link Refusal} 400
 * {@code malformed} naming the field.
 * <p>
 * Threading: stateless and thread-safe.
 */
public final class JsonBody {
    /** The longest string: a 16 MiB module in base64 with room. */
    public static final int MAX_STRING_CHARS = 24 << 20;
    private static final long MAX_SAFE = (1L << 53) - 1;
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16)
                    .maxStringLength(MAX_STRING_CHARS).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private JsonBody() {
    }

    /** The body, one JSON object. */
    public static Map<String, Object> object(final byte[] body) {
        try (JsonParser parser = FACTORY.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw Refusal.malformed("body", "must be a JSON object");
            }
            final Object value = read(parser, JsonToken.START_OBJECT);
            if (parser.nextToken() != null) {
                throw Refusal.malformed("body", "holds more than one JSON value");
            }
            @SuppressWarnings("unchecked")
            final Map<String, Object> object = (Map<String, Object>) value;
            return object;
        } catch (final IOException e) {
            throw Refusal.malformed("body", "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static Object read(final JsonParser parser, final JsonToken token) throws IOException {
        return switch (token) {
            case START_OBJECT -> {
                final Map<String, Object> object = new LinkedHashMap<>();
                JsonToken next;
                while ((next = parser.nextToken()) == JsonToken.FIELD_NAME) {
                    final String name = parser.currentName();
                    object.put(name, read(parser, parser.nextToken()));
                }
                if (next != JsonToken.END_OBJECT) {
                    throw Refusal.malformed("body", "an object does not end");
                }
                yield object;
            }
            case START_ARRAY -> {
                final List<Object> array = new ArrayList<>();
                JsonToken next;
                while ((next = parser.nextToken()) != JsonToken.END_ARRAY) {
                    if (next == null) {
                        throw Refusal.malformed("body", "an array does not end");
                    }
                    array.add(read(parser, next));
                }
                yield array;
            }
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT -> {
                if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        || Math.abs(parser.getLongValue()) > MAX_SAFE) {
                    throw Refusal.malformed(String.valueOf(parser.currentName()), "an integer of at most 2^53 - 1");
                }
                yield parser.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> throw Refusal.malformed(String.valueOf(parser.currentName()),
                    "must be an integer");
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> CanonicalJson.NULL;
            default -> throw Refusal.malformed("body", "not valid JSON");
        };
    }

    /** Refuses a member of {@code object} (named {@code where}) that is not in {@code known}. */
    public static void only(final Map<String, Object> object, final String where, final Set<String> known) {
        for (final String name : object.keySet()) {
            if (!known.contains(name)) {
                throw Refusal.malformed(where.isEmpty() ? name : where + "." + name, "unknown field (known: "
                        + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    /** {@code object[name]} as a string; null when absent and not {@code required}. */
    public static String string(final Map<String, Object> object, final String field, final String name,
                                final boolean required) {
        final Object v = object.get(name);
        if (v == null || v == CanonicalJson.NULL) {
            if (required) {
                throw Refusal.malformed(field, "is required");
            }
            return null;
        }
        if (!(v instanceof String s)) {
            throw Refusal.malformed(field, "must be a string");
        }
        return s;
    }

    /** {@code object[name]} as an object; null when absent and not {@code required}. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(final Map<String, Object> object, final String field,
                                             final String name, final boolean required) {
        final Object v = object.get(name);
        if (v == null || v == CanonicalJson.NULL) {
            if (required) {
                throw Refusal.malformed(field, "is required");
            }
            return null;
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw Refusal.malformed(field, "must be a JSON object");
        }
        return (Map<String, Object>) m;
    }
}
