package org.edgebook.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Utf8} against the JDK's strict decoder and encoder (errors reported, never replaced). */
class Utf8Test {

    private static boolean jdkAccepts(final byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (final CharacterCodingException e) {
            return false;
        }
    }

    @Test
    void refusesOverlongSurrogateOutOfRangeAndCutShortForms() {
        for (final String hex : new String[] {"c0af", "c1bf", "e080af", "eda080", "edbfbf", "f08080af", "f4908080",
                "f5808080", "ff", "80", "e282", "f09f98"}) {
            final byte[] bytes = HexFormat.of().parseHex("41" + hex + "42");
            assertThat(Utf8.firstInvalid(bytes, 0, bytes.length)).as(hex).isEqualTo(1);
        }
        for (final String good : new String[] {"x/y", "é", "€", "😀", "\u07ff\u0800\uffff", ""}) {
            final byte[] bytes = good.getBytes(StandardCharsets.UTF_8);
            assertThat(Utf8.firstInvalid(bytes, 0, bytes.length)).as(good).isEqualTo(-1);
        }
    }

    @Test
    void agreesWithTheJdksStrictDecoderOnRandomBytes() {
        final long seed = Long.getLong("edgebook.seed", System.nanoTime());
        final Random random = new Random(seed);
        for (int i = 0; i < 200_000; i++) {
            final byte[] bytes = new byte[1 + random.nextInt(8)];
            for (int j = 0; j < bytes.length; j++) {
                // Mostly bytes near the boundaries where forms become overlong, surrogates or out of range.
                final int roll = random.nextInt(4);
                bytes[j] = (byte) (roll == 0 ? random.nextInt(256) : roll == 1 ? 0x80 + random.nextInt(64)
                        : roll == 2 ? 0xC0 + random.nextInt(64) : 0x20 + random.nextInt(96));
            }
            assertThat(Utf8.firstInvalid(bytes, 0, bytes.length) < 0)
                    .as("seed %d (-Dedgebook.seed=%d), bytes %s", seed, seed, HexFormat.of().formatHex(bytes))
                    .isEqualTo(jdkAccepts(bytes));
        }
    }

    @Test
    void encodesExactlyWhatTheJdkEncodesAndRefusesLoneSurrogates() throws CharacterCodingException {
        final long seed = Long.getLong("edgebook.seed", System.nanoTime());
        final Random random = new Random(seed);
        for (int i = 0; i < 50_000; i++) {
            final char[] chars = new char[random.nextInt(6)];
            for (int j = 0; j < chars.length; j++) {
                chars[j] = (char) (random.nextBoolean() ? 0xD7F0 + random.nextInt(0x820) : random.nextInt(0x10000));
            }
            final String text = new String(chars);
            boolean jdk = true;
            ByteBuffer expected = null;
            try {
                expected = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                        .encode(CharBuffer.wrap(text));
            } catch (final CharacterCodingException e) {
                jdk = false;
            }
            final String why = "seed " + seed + " (-Dedgebook.seed=" + seed + "), text " + HexFormat.of()
                    .formatHex(text.getBytes(StandardCharsets.UTF_16BE));
            assertThat(Utf8.encodedLength(text) >= 0).as(why).isEqualTo(jdk);
            assertThat(Utf8.firstLoneSurrogate(text) < 0).as(why).isEqualTo(jdk);
            final ByteBuffer out = ByteBuffer.allocate(text.length() * 3);
            if (jdk) {
                Utf8.encode(text, out);
                out.flip();
                assertThat(out).as(why).isEqualTo(expected);
                assertThat(out.remaining()).as(why).isEqualTo(Utf8.encodedLength(text));
            } else {
                assertThatThrownBy(() -> Utf8.encode(text, out)).as(why).isInstanceOf(IllegalArgumentException.class);
            }
        }
    }
}
