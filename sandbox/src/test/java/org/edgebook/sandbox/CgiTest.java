package org.edgebook.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CgiTest {
    private static GuestResult parse(final String out) throws GuestFailure {
        final byte[] bytes = out.getBytes(StandardCharsets.ISO_8859_1);
        return Cgi.parse(bytes, bytes.length);
    }

    @Test
    void readsStatusContentTypeAndBody() throws Exception {
        final GuestResult r = parse("Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnope");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.contentType()).isEqualTo("text/plain");
        assertThat(r.body()).asString(StandardCharsets.US_ASCII).isEqualTo("nope");
        assertThat(parse("\n{}").status()).isEqualTo(200);
    }

    @Test
    void refusesAnswersHttpCannotCarry() {
        for (final String bad : new String[] {"{}", "Status: 101\n\n", "Status: 99\n\n", "Status: x\n\n",
                "Content-Type: a\u0001b\n\n", "Content-Type: a\rb\n\n", "no colon\n\n"}) {
            assertThatThrownBy(() -> parse(bad)).as(bad).isInstanceOfSatisfying(GuestFailure.class,
                    f -> assertThat(f.kind()).isEqualTo(GuestFailure.Kind.BAD_ANSWER));
        }
    }

    @Test
    void guestLogTextCannotForgeLines() {
        assertThat(HostFunctions.printable("ok\nfunction=x request=y forged\r\u0000"))
                .isEqualTo("ok\\x0afunction=x request=y forged\\x0d\\x00");
    }
}
