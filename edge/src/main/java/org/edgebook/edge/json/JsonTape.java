package org.edgebook.edge.json;

import java.util.Arrays;

/**
 * A strict RFC 8259 parser that records each value's byte span instead of building objects: the "tape" of
 * docs/edge-functions.md section 2, shared word for word with the WebAssembly guests so both reject the same bytes at
 * the same offset with the same reason.
 * <p>
 * Node {@code n} has a type, a span {@code [start, end)} in the body, and {@code next(n)}: the index just past its
 * last descendant, so siblings are found without walking children. An object's children alternate key, value.
 * <p>
 * Not thread-safe: one tape per request (or per thread, reset by {@link #parse}).
 */
public final class JsonTape {
    public static final byte OBJECT = 1;
    public static final byte ARRAY = 2;
    public static final byte STRING = 3;
    public static final byte NUMBER = 4;
    public static final byte TRUE = 5;
    public static final byte FALSE = 6;
    public static final byte NULL = 7;

    public static final int MAX_DEPTH = 64;
    private static final int RETAINED_NODES = 1 << 16;

    private byte[] body;
    private int limit;
    private int pos;
    private int count;
    private byte[] types = new byte[64];
    private int[] starts = new int[64];
    private int[] ends = new int[64];
    private int[] nexts = new int[64];

    /** Parses {@code body[0, length)}; afterwards node 0 is the root value. */
    public void parse(final byte[] body, final int length) throws JsonSyntaxException {
        if (types.length > RETAINED_NODES) {
            // One huge body must not pin its tape for the life of the thread.
            types = new byte[64];
            starts = new int[64];
            ends = new int[64];
            nexts = new int[64];
        }
        this.body = body;
        this.limit = length;
        this.pos = 0;
        this.count = 0;
        skipWhitespace();
        value(0);
        skipWhitespace();
        if (pos < limit) {
            throw new JsonSyntaxException(pos, "trailing characters");
        }
    }

    public byte[] body() {
        return body;
    }

    public int type(final int node) {
        return types[node];
    }

    public int start(final int node) {
        return starts[node];
    }

    public int end(final int node) {
        return ends[node];
    }

    public int next(final int node) {
        return nexts[node];
    }

    /** The value of the last member of {@code object} whose key, as written, equals {@code key}; -1 if none. */
    public int member(final int object, final byte[] key) {
        int found = -1;
        for (int k = object + 1, end = nexts[object]; k < end; k = nexts[k + 1]) {
            if (ends[k] - starts[k] - 2 == key.length
                    && Arrays.equals(body, starts[k] + 1, ends[k] - 1, key, 0, key.length)) {
                found = k + 1;
            }
        }
        return found;
    }

    /**
     * The value of the last member of {@code object} whose key, as written, equals {@code source[from, to)} (a name
     * taken from the body itself, without its quotes); -1 if none.
     */
    public int member(final int object, final byte[] source, final int from, final int to) {
        int found = -1;
        for (int k = object + 1, end = nexts[object]; k < end; k = nexts[k + 1]) {
            if (ends[k] - starts[k] - 2 == to - from
                    && Arrays.equals(body, starts[k] + 1, ends[k] - 1, source, from, to)) {
                found = k + 1;
            }
        }
        return found;
    }

    /** True when a string node is {@code ""}. */
    public boolean isEmptyString(final int node) {
        return types[node] == STRING && ends[node] - starts[node] == 2;
    }

    private void value(final int depth) throws JsonSyntaxException {
        if (pos >= limit) {
            throw endOfInput();
        }
        final byte b = body[pos];
        switch (b) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> leaf(STRING, pos, scanString());
            case 't' -> leaf(TRUE, pos, literal("true"));
            case 'f' -> leaf(FALSE, pos, literal("false"));
            case 'n' -> leaf(NULL, pos, literal("null"));
            default -> {
                if (b == '-' || (b >= '0' && b <= '9')) {
                    leaf(NUMBER, pos, scanNumber());
                } else {
                    throw unexpected();
                }
            }
        }
    }

    private void object(final int depth) throws JsonSyntaxException {
        if (depth > MAX_DEPTH) {
            throw new JsonSyntaxException(pos, "nesting deeper than 64");
        }
        final int node = open(OBJECT);
        pos++;
        skipWhitespace();
        if (pos < limit && body[pos] == '}') {
            close(node);
            return;
        }
        while (true) {
            if (pos >= limit) {
                throw endOfInput();
            }
            if (body[pos] != '"') {
                throw unexpected();
            }
            leaf(STRING, pos, scanString());
            skipWhitespace();
            expect((byte) ':');
            skipWhitespace();
            value(depth);
            skipWhitespace();
            if (pos >= limit) {
                throw endOfInput();
            }
            if (body[pos] == ',') {
                pos++;
                skipWhitespace();
            } else if (body[pos] == '}') {
                close(node);
                return;
            } else {
                throw unexpected();
            }
        }
    }

    private void array(final int depth) throws JsonSyntaxException {
        if (depth > MAX_DEPTH) {
            throw new JsonSyntaxException(pos, "nesting deeper than 64");
        }
        final int node = open(ARRAY);
        pos++;
        skipWhitespace();
        if (pos < limit && body[pos] == ']') {
            close(node);
            return;
        }
        while (true) {
            value(depth);
            skipWhitespace();
            if (pos >= limit) {
                throw endOfInput();
            }
            if (body[pos] == ',') {
                pos++;
                skipWhitespace();
            } else if (body[pos] == ']') {
                close(node);
                return;
            } else {
                throw unexpected();
            }
        }
    }

    /** Scans the string starting at {@code pos} (a quote); returns the offset just past its closing quote. */
    private int scanString() throws JsonSyntaxException {
        int p = pos + 1;
        while (true) {
            if (p >= limit) {
                throw endOfInput();
            }
            final int c = body[p] & 0xFF;
            if (c == '"') {
                return p + 1;
            }
            if (c < 0x20) {
                throw new JsonSyntaxException(p, "control character in string");
            }
            if (c == '\\') {
                p++;
                if (p >= limit) {
                    throw endOfInput();
                }
                switch (body[p]) {
                    case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> p++;
                    case 'u' -> {
                        p++;
                        for (int i = 0; i < 4; i++, p++) {
                            if (p >= limit || !isHex(body[p])) {
                                throw new JsonSyntaxException(p, "invalid escape");
                            }
                        }
                    }
                    default -> throw new JsonSyntaxException(p, "invalid escape");
                }
            } else {
                p++;
            }
        }
    }

    private int scanNumber() throws JsonSyntaxException {
        int p = pos;
        if (body[p] == '-') {
            p++;
        }
        p = requireDigit(p);
        if (body[p] == '0') {
            p++;
        } else {
            p = digits(p);
        }
        if (p < limit && body[p] == '.') {
            p = digits(requireDigit(p + 1));
        }
        if (p < limit && (body[p] == 'e' || body[p] == 'E')) {
            p++;
            if (p < limit && (body[p] == '+' || body[p] == '-')) {
                p++;
            }
            p = digits(requireDigit(p));
        }
        return p;
    }

    private int requireDigit(final int p) throws JsonSyntaxException {
        if (p >= limit) {
            throw endOfInput();
        }
        if (body[p] < '0' || body[p] > '9') {
            throw new JsonSyntaxException(p, "invalid number");
        }
        return p;
    }

    private int digits(int p) {
        while (p < limit && body[p] >= '0' && body[p] <= '9') {
            p++;
        }
        return p;
    }

    private int literal(final String word) throws JsonSyntaxException {
        int p = pos;
        for (int i = 0; i < word.length(); i++, p++) {
            if (p >= limit) {
                throw endOfInput();
            }
            if (body[p] != word.charAt(i)) {
                throw new JsonSyntaxException(p, "unexpected character");
            }
        }
        return p;
    }

    private void expect(final byte b) throws JsonSyntaxException {
        if (pos >= limit) {
            throw endOfInput();
        }
        if (body[pos] != b) {
            throw unexpected();
        }
        pos++;
    }

    private void skipWhitespace() {
        while (pos < limit) {
            final byte b = body[pos];
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return;
            }
            pos++;
        }
    }

    private int open(final byte type) {
        return add(type, pos);
    }

    private void close(final int node) {
        pos++;
        ends[node] = pos;
        nexts[node] = count;
    }

    private void leaf(final byte type, final int start, final int end) {
        final int node = add(type, start);
        ends[node] = end;
        nexts[node] = node + 1;
        pos = end;
    }

    private int add(final byte type, final int start) {
        if (count == types.length) {
            final int size = count * 2;
            types = Arrays.copyOf(types, size);
            starts = Arrays.copyOf(starts, size);
            ends = Arrays.copyOf(ends, size);
            nexts = Arrays.copyOf(nexts, size);
        }
        types[count] = type;
        starts[count] = start;
        return count++;
    }

    private JsonSyntaxException endOfInput() {
        return new JsonSyntaxException(limit, "unexpected end of input");
    }

    private JsonSyntaxException unexpected() {
        return new JsonSyntaxException(pos, "unexpected character");
    }

    private static boolean isHex(final byte b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }
}
