package org.edgebook.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Checks a request target's percent-encoding: every {@code %} is followed by two hex digits, and the bytes it spells
 * are strict UTF-8 (no overlong forms such as {@code %C0%AF} for {@code /}, no surrogates, no truncated sequences)
 * and no control characters. A lenient decoder would read {@code %C0%AF} as {@code /} or as a replacement character,
 * so one path could name two resources. Stateless; thread-safe.
 */
final class RequestTargets {
    private RequestTargets() {
    }

    /** What is wrong with {@code target}'s encoding, or {@code null} when it is strict. */
    static String problem(final String target) {
        final int hash = target.indexOf('#');
        final String text = hash < 0 ? target : target.substring(0, hash);
        final byte[] bytes = new byte[text.length()];
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c == '%') {
                final int hi = i + 2 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
                final int lo = hi >= 0 ? Character.digit(text.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    return "the request target has a % not followed by two hex digits at character " + i;
                }
                bytes[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if (c > 0x7e || c < 0x21) {
                return "the request target has a raw byte 0x" + Integer.toHexString(c) + " at character " + i
                        + ": percent-encode it";
            } else {
                bytes[n++] = (byte) c;
            }
        }
        final String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 0, n)).toString();
        } catch (final CharacterCodingException e) {
            return "the request target's percent-encoded bytes are not valid UTF-8 (overlong or malformed)";
        }
        for (int i = 0; i < decoded.length(); i++) {
            final char c = decoded.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                return "the request target encodes a control character (U+" + String.format("%04X", (int) c) + ")";
            }
        }
        return null;
    }
}
