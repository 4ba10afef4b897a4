package org.edgebook.codec;

import java.util.Locale;

/** JSON string text for writers that build small documents by hand (reports, stream messages). Stateless. */
public final class JsonText {
    private JsonText() {
    }

    /** {@code s} escaped for use between JSON quotes. */
    public static String escape(final String s) {
        final StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** {@code s} as a JSON string, quotes included; {@code null} as {@code null}. */
    public static String quote(final String s) {
        return s == null ? "null" : '"' + escape(s) + '"';
    }
}
