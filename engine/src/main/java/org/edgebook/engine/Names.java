package org.edgebook.engine;

/**
 * The one rule for every name a command carries (account, asset, symbol, base, quote, clientOrderId, transferId,
 * depositId, withdrawalId, from, to, a sourced command's source): 1 to {@value #MAX_LENGTH} characters, each one of
 * {@code A-Z a-z 0-9 . _ - :}.
 * <p>
 * Names are kept forever (order ids, transfer ids), travel in URL paths ({@code /v1/orders/{clientOrderId}}), in CSV
 * reports and in logs, and are written to the journal. The rule keeps all of that exact and harmless: no character
 * that needs escaping in a path, a CSV cell or a terminal, no bidi overrides, no text that UTF-8 cannot carry back
 * unchanged (a lone surrogate), and no name too long to be kept or addressed. A name outside the rule is MALFORMED
 * with a detail that names the field and the first bad character; docs/semantics.md states the same rule.
 * <p>
 * Stateless and thread-safe.
 */
public final class Names {
    /** The longest name, in characters (each one byte of UTF-8, so also in bytes). */
    public static final int MAX_LENGTH = 64;

    /** The allowed characters, for messages. */
    public static final String ALLOWED = "A-Z, a-z, 0-9 and . _ - :";

    private static final boolean[] ALLOWED_ASCII = new boolean[128];

    static {
        for (char c = 'A'; c <= 'Z'; c++) {
            ALLOWED_ASCII[c] = true;
            ALLOWED_ASCII[Character.toLowerCase(c)] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            ALLOWED_ASCII[c] = true;
        }
        ALLOWED_ASCII['.'] = true;
        ALLOWED_ASCII['_'] = true;
        ALLOWED_ASCII['-'] = true;
        ALLOWED_ASCII[':'] = true;
    }

    private Names() {
    }

    /** Whether {@code name} follows the rule; {@code null} and "" do not. Allocation-free. */
    public static boolean valid(final String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            if (c >= 128 || !ALLOWED_ASCII[c]) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code chars[offset, offset + length)} follows the rule. Allocation-free. */
    public static boolean valid(final char[] chars, final int offset, final int length) {
        if (length < 1 || length > MAX_LENGTH) {
            return false;
        }
        for (int i = offset; i < offset + length; i++) {
            final char c = chars[i];
            if (c >= 128 || !ALLOWED_ASCII[c]) {
                return false;
            }
        }
        return true;
    }

    /** {@code name} if it follows the rule, else {@code null}: what a rejection may echo back. */
    public static String orNull(final String name) {
        return valid(name) ? name : null;
    }

    /**
     * What is wrong with {@code value} as the field {@code field}, or {@code null} if nothing is. The message never
     * quotes the value itself, only its length or the position and code of its first bad character, so it is safe to
     * log and to journal.
     */
    public static String problem(final String field, final String value) {
        if (value == null || value.isEmpty()) {
            return field + " must be a non-empty string";
        }
        if (value.length() > MAX_LENGTH) {
            return field + " must be at most " + MAX_LENGTH + " characters, not " + value.length();
        }
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            if (c >= 128 || !ALLOWED_ASCII[c]) {
                return field + " may hold only " + ALLOWED + "; character " + (i + 1) + " is " + describe(c);
            }
        }
        return null;
    }

    /** A character for a message: {@code '/'} when printable ASCII, else its code point such as {@code U+D800}. */
    private static String describe(final char c) {
        if (c > 32 && c < 127) {
            return "'" + c + "'";
        }
        return String.format("U+%04X", (int) c);
    }

    /**
     * Any text (a sender's field name, a bad value) as printable ASCII for a MALFORMED detail: quotes, backslashes
     * and every character outside printable ASCII are escaped as {@code \\uXXXX}, and it is cut at 40 characters.
     * What comes out always round-trips through UTF-8 and the journal.
     */
    public static String quote(final CharSequence text) {
        final int limit = Math.min(text.length(), 40);
        final StringBuilder out = new StringBuilder(limit + 8);
        for (int i = 0; i < limit; i++) {
            final char c = text.charAt(i);
            if (c >= 32 && c < 127 && c != '\\' && c != '\'' && c != '"') {
                out.append(c);
            } else {
                out.append(String.format("\\u%04X", (int) c));
            }
        }
        if (text.length() > limit) {
            out.append("...");
        }
        return out.toString();
    }
}
