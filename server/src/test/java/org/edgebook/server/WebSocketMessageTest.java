package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The envelope is read in one pass; the command's bytes and the id's text are located, never rebuilt. */
class WebSocketMessageTest {

    private static String command(final WebSocketMessage m) {
        return new String(m.bytes, m.commandFrom, m.commandTo - m.commandFrom, StandardCharsets.UTF_8);
    }

    @Test
    void theCommandIsTheBytesTheClientSentAndTheIdItsExactText() {
        final String body = "{ \"type\" : \"place\", \"note\":\"caf\u00e9 \\\"q\\\" \\u00e9\", \"n\":[1,{\"a\":2}] }";
        final WebSocketMessage m = WebSocketMessage.read("{\"id\":\"x\\\"y\u00e9\",\"op\":\"command\",\"command\":"
                + body + ",\"extra\":{\"deep\":[1,2,{\"op\":\"subscribe\"}]}}");
        assertThat(m).isNotNull();
        assertThat(m.op).isEqualTo("command");
        assertThat(m.id).isEqualTo("\"x\\\"y\u00e9\"");
        assertThat(command(m)).isEqualTo(body);
    }

    @Test
    void idsOfEveryKindAreKeptAsWritten() {
        for (final String id : new String[] {"7", "-1.50e3", "true", "null", "[1,\"a\",{}]", "{\"k\":[null]}",
                "\"\"", "\"\\ud83d\\ude00\""}) {
            final WebSocketMessage m = WebSocketMessage.read("{\"op\":\"command\",\"id\":" + id + ",\"command\":{}}");
            assertThat(m).as(id).isNotNull();
            assertThat(m.id).as(id).isEqualTo(id);
            assertThat(command(m)).isEqualTo("{}");
        }
        assertThat(WebSocketMessage.read("{\"op\":\"command\"}").id).isEqualTo("null");
    }

    @Test
    void membersOfTheWrongKindAreAbsentAndTheLastOfTwoCounts() {
        final WebSocketMessage m = WebSocketMessage.read("{\"op\":1,\"channel\":[\"book\"],\"symbol\":5,"
                + "\"command\":\"{}\"}");
        assertThat(m.op).isEmpty();
        assertThat(m.channel).isEmpty();
        assertThat(m.symbol).isNull();
        assertThat(m.commandTo - m.commandFrom).isZero();
        final WebSocketMessage twice = WebSocketMessage.read("{\"op\":\"subscribe\",\"channel\":\"book\","
                + "\"symbol\":\"A-B\",\"op\":\"command\",\"command\":{\"a\":1},\"command\":{\"b\":2}}");
        assertThat(twice.op).isEqualTo("command");
        assertThat(twice.symbol).isEqualTo("A-B");
        assertThat(command(twice)).isEqualTo("{\"b\":2}");
    }

    @Test
    void anythingButOneWholeObjectIsRefused() {
        for (final String text : new String[] {"", "[]", "7", "\"op\"", "{", "{\"op\":\"command\"", "{} {}",
                "{\"op\":\"command\"} x", "{\"op\":}", "{\"id\":01}", "{'op':'command'}", "{\"a\":\"\u0001\"}",
                "{\"command\":{\"a\":1,}}"}) {
            assertThat(WebSocketMessage.read(text)).as(text).isNull();
        }
    }
}
