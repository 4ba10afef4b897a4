package org.edgebook.codec;

import java.nio.ByteBuffer;

/**
 * Strict UTF-8, both ways. The JDK's own decoders and encoders replace what they cannot map ({@code ?} for a lone
 * surrogate, U+FFFD for a bad byte) and Jackson decodes overlong forms ({@code C0 AF} becomes {@code /}); either way
 * two different inputs can become one text, which is how a journaled name could change its meaning at replay. Here
 * nothing is replaced: bytes that are not well-formed UTF-8 (Unicode 16, table 3-7: no overlong forms, no encoded
 * surrogates, nothing above U+10FFFF) are refused with their offset, and text holding a lone surrogate cannot be
 * encoded.
 * <p>
 * Stateless and thread-safe; allocation-free.
 */
public final class Utf8 {
    private Utf8() {
    }

    /** The offset (from {@code offset}) of the first byte that is not part of well-formed UTF-8, or -1. */
    public static int firstInvalid(final byte[] bytes, final int offset, final int length) {
        final int end = offset + length;
        int i = offset;
        while (i < end) {
            final int b = bytes[i];
            if (b >= 0) {
                i++;
                continue;
            }
            final int lead = b & 0xFF;
            final int need;
            int low = 0x80;
            int high = 0xBF;
            if (lead >= 0xC2 && lead <= 0xDF) {
                need = 1;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                need = 2;
                if (lead == 0xE0) {
                    low = 0xA0; // shorter forms are overlong
                } else if (lead == 0xED) {
                    high = 0x9F; // ED A0..BF would encode a surrogate
                }
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                need = 3;
                if (lead == 0xF0) {
                    low = 0x90; // overlong
                } else if (lead == 0xF4) {
                    high = 0x8F; // above U+10FFFF
                }
            } else {
                return i - offset; // a continuation byte alone, C0, C1 (overlong) or F5..FF
            }
            if (i + need >= end) {
                return i - offset; // cut short
            }
            final int second = bytes[i + 1] & 0xFF;
            if (second < low || second > high) {
                return i - offset;
            }
            for (int k = 2; k <= need; k++) {
                final int next = bytes[i + k] & 0xFF;
                if (next < 0x80 || next > 0xBF) {
                    return i - offset;
                }
            }
            i += need + 1;
        }
        return -1;
    }

    /** The index of the first unpaired surrogate in {@code text}, or -1: text that UTF-8 can carry exactly. */
    public static int firstLoneSurrogate(final CharSequence text) {
        final int length = text.length();
        for (int i = 0; i < length; i++) {
            final char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return i;
            }
            if (Character.isLowSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /** The number of bytes {@code text} takes in UTF-8, or -1 if it holds a lone surrogate. */
    public static int encodedLength(final String text) {
        int bytes = 0;
        final int length = text.length();
        for (int i = 0; i < length; i++) {
            final char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 >= length || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return -1;
                }
                bytes += 4;
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return -1;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /**
     * Writes {@code text} as UTF-8 at the buffer's position. The caller checks {@link #encodedLength} first (a lone
     * surrogate here is a bug: {@link IllegalArgumentException}) and makes room.
     */
    public static void encode(final String text, final ByteBuffer out) {
        final int length = text.length();
        for (int i = 0; i < length; i++) {
            final char c = text.charAt(i);
            if (c < 0x80) {
                out.put((byte) c);
            } else if (c < 0x800) {
                out.put((byte) (0xC0 | c >> 6));
                out.put((byte) (0x80 | c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 >= length
                        || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    throw new IllegalArgumentException("a lone surrogate at character " + (i + 1)
                            + " cannot be written as UTF-8");
                }
                final int cp = Character.toCodePoint(c, text.charAt(++i));
                out.put((byte) (0xF0 | cp >> 18));
                out.put((byte) (0x80 | cp >> 12 & 0x3F));
                out.put((byte) (0x80 | cp >> 6 & 0x3F));
                out.put((byte) (0x80 | cp & 0x3F));
            } else {
                out.put((byte) (0xE0 | c >> 12));
                out.put((byte) (0x80 | c >> 6 & 0x3F));
                out.put((byte) (0x80 | c & 0x3F));
            }
        }
    }
}
