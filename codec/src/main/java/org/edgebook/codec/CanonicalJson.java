package org.edgebook.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The canonical JSON of a signed transaction (docs/signing.md): RFC 8785 (JCS) for the values a command holds. Members
 * are sorted by name (UTF-16 code units, as {@link String#compareTo} compares), no whitespace, strings escaped
 * minimally ({@code \"}, {@code \\}, {@code \b \f \n \r \t}, other controls below U+0020 as {@code \}{@code u00xx} in lower
 * case; everything else as its UTF-8), integers in plain decimal. Numbers must be integers of at most 2^53 in size:
 * amounts and prices are strings, and JCS's formatting of other numbers is not needed, so they are refused. A member
 * named twice is refused: what is signed must be what is read.
 * <p>
 * Values: a JSON object is a {@link Map} (its members in the order given), an array a {@link List}, a string a
 * {@link String}, an integer a {@link Long}, {@code true}/{@code false} a {@link Boolean}, {@code null} the
 * {@link #NULL} marker. Stateless and thread-safe.
 */
public final class CanonicalJson {
    /** The marker of a JSON {@code null} value (maps do not hold Java nulls here). */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };
    private static final long MAX_SAFE = (1L << 53) - 1;
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private CanonicalJson() {
    }

    /** Reads {@code bytes[offset, offset + length)}, one JSON object; refused (the message says why) otherwise. */
    public static Map<String, Object> parseObject(final byte[] bytes, final int offset, final int length) {
        try (JsonParser parser = FACTORY.createParser(bytes, offset, length)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("a command must be a JSON object");
            }
            final Object value = read(parser, JsonToken.START_OBJECT);
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("only one JSON object per line");
            }
            @SuppressWarnings("unchecked")
            final Map<String, Object> object = (Map<String, Object>) value;
            return object;
        } catch (final IOException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    private static Object read(final JsonParser parser, final JsonToken token) throws IOException {
        return switch (token) {
            case START_OBJECT -> {
                final Map<String, Object> object = new LinkedHashMap<>();
                JsonToken next;
                while ((next = parser.nextToken()) == JsonToken.FIELD_NAME) {
                    final String name = unicode(parser.currentName(), parser);
                    object.put(name, read(parser, parser.nextToken()));
                }
                if (next != JsonToken.END_OBJECT) {
                    throw new IllegalArgumentException("not valid JSON: an object does not end");
                }
                yield object;
            }
            case START_ARRAY -> {
                final List<Object> array = new ArrayList<>();
                JsonToken next;
                while ((next = parser.nextToken()) != JsonToken.END_ARRAY) {
                    if (next == null) {
                        throw new IllegalArgumentException("not valid JSON: an array does not end");
                    }
                    array.add(read(parser, next));
                }
                yield array;
            }
            case VALUE_STRING -> unicode(parser.getText(), parser);
            case VALUE_NUMBER_INT -> {
                if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        || Math.abs(parser.getLongValue()) > MAX_SAFE) {
                    throw new IllegalArgumentException("'" + parser.currentName() + "': a number in a signed command "
                            + "is an integer of at most 2^53 - 1 in size");
                }
                yield parser.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> throw new IllegalArgumentException("'" + parser.currentName() + "': a number "
                    + "in a signed command is an integer (amounts and prices are strings)");
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> NULL;
            default -> throw new IllegalArgumentException("not valid JSON");
        };
    }

    /** {@code text}, refused when it holds a lone surrogate (from a backslash-u escape): it has no UTF-8 form. */
    private static String unicode(final String text, final JsonParser parser) throws IOException {
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("'" + parser.currentName() + "': not valid Unicode (a lone "
                        + "surrogate escape); a signed command's text has a UTF-8 form");
            }
        }
        return text;
    }

    /** The canonical text of {@code value}. */
    public static String write(final Object value) {
        final StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    /** The canonical UTF-8 bytes of {@code value}. */
    public static byte[] bytes(final Object value) {
        return write(value).getBytes(StandardCharsets.UTF_8);
    }

    private static void write(final Object value, final StringBuilder out) {
        switch (value) {
            case Map<?, ?> map -> {
                final TreeMap<String, Object> sorted = new TreeMap<>();
                map.forEach((k, v) -> sorted.put((String) k, v));
                out.append('{');
                boolean first = true;
                for (final Map.Entry<String, Object> e : sorted.entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(e.getKey(), out);
                    out.append(':');
                    write(e.getValue(), out);
                }
                out.append('}');
            }
            case List<?> list -> {
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(list.get(i), out);
                }
                out.append(']');
            }
            case String s -> string(s, out);
            case Long l -> {
                if (Math.abs(l) > MAX_SAFE) {
                    throw new IllegalArgumentException("an integer of at most 2^53 - 1 in size, not " + l);
                }
                out.append(l);
            }
            case Integer i -> out.append(i);
            case Boolean b -> out.append(b);
            default -> {
                if (value != NULL) {
                    throw new IllegalArgumentException("not a JSON value: " + value.getClass().getSimpleName());
                }
                out.append("null");
            }
        }
    }

    private static void string(final String s, final StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15,
                                16));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
