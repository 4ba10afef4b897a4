package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whatever a client sends that comes back to it (a book's symbol, a channel, a command's id, an order id from the
 * path) is written by a JSON generator: escaped, never pasted into the text, so it cannot end a string or add a
 * member. Every message is parsed back and compared as JSON.
 */
class EchoedTextTest {
    @TempDir
    static Path dir;
    private static Served s;

    @BeforeAll
    static void start() throws Exception {
        s = Served.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    /** Text that would end a JSON string and add members if pasted, with a backslash, a control and a U+2028. */
    private static final String HOSTILE = "BTC\"},{\"injected\":true,\"x\":\"\\\u0001\u2028";

    private static String quoted(final String text) {
        return io.vertx.core.json.Json.encode(text);
    }

    @Test
    void aBookSymbolOrChannelThatIsNotANameIsRefusedInParseableJson() throws Exception {
        final Served.Inbox inbox = new Served.Inbox();
        final WebSocket socket = s.connect(s.alice, inbox);
        socket.sendText("{\"op\":\"subscribe\",\"channel\":\"book\",\"symbol\":" + quoted(HOSTILE) + "}", true)
                .join();
        final JsonObject symbol = new JsonObject(inbox.await("MALFORMED"));
        assertThat(symbol.fieldNames()).containsExactly("error", "detail");
        assertThat(symbol.getString("detail")).startsWith("symbol may hold only");
        socket.sendText("{\"op\":\"subscribe\",\"channel\":" + quoted(HOSTILE) + "}", true).join();
        final JsonObject channel = new JsonObject(inbox.await("MALFORMED", 2));
        assertThat(channel.fieldNames()).containsExactly("error", "detail");
        assertThat(inbox.messages).noneMatch(m -> new JsonObject(m).containsKey("injected"));
        socket.abort();
    }

    @Test
    void bookStreamMessagesAreGeneratedJson() throws Exception {
        final Served.Inbox inbox = new Served.Inbox();
        final WebSocket socket = s.connect(s.alice, inbox);
        socket.sendText("{\"op\":\"subscribe\",\"channel\":\"book\",\"symbol\":\"NOPE-USD\"}", true).join();
        assertThat(inbox.await("\"subscribed\"")).isEqualTo("{\"subscribed\":\"book\",\"symbol\":\"NOPE-USD\"}");
        assertThat(inbox.await("UNKNOWN_SYMBOL")).isEqualTo("{\"channel\":\"book\",\"symbol\":\"NOPE-USD\","
                + "\"error\":\"UNKNOWN_SYMBOL\"}");
        socket.sendText("{\"op\":\"subscribe\",\"channel\":\"book\",\"symbol\":\"ETH-USD\"}", true).join();
        final JsonObject snapshot = new JsonObject(inbox.await("\"snapshot\""));
        assertThat(snapshot.getString("channel")).isEqualTo("book");
        assertThat(snapshot.getJsonObject("snapshot").getString("symbol")).isEqualTo("ETH-USD");
        assertThat(s.send(s.bob, "POST", "/v1/orders", "{\"clientOrderId\":\"esc-1\",\"symbol\":\"ETH-USD\","
                + "\"side\":\"BUY\",\"price\":\"100\",\"quantity\":\"1\"}").statusCode()).isEqualTo(200);
        final JsonObject changes = new JsonObject(inbox.await("\"changes\""));
        assertThat(changes.fieldNames()).containsExactly("channel", "symbol", "seq", "prevSeq", "changes");
        assertThat(changes.getJsonArray("changes")).contains(new JsonArray().add("BUY").add("100").add("1"));
        assertThat(s.send(s.bob, "DELETE", "/v1/orders/esc-1", (String) null).statusCode()).isEqualTo(200);
        socket.abort();
    }

    @Test
    void aCommandsIdComesBackExactlyWhateverItHolds() throws Exception {
        final Served.Inbox inbox = new Served.Inbox();
        final WebSocket socket = s.connect(s.bob, inbox);
        final Object[] ids = {HOSTILE, new JsonObject().put("k", HOSTILE), new JsonArray().add(1).add(HOSTILE), 7.5};
        for (final Object id : ids) {
            final String encoded = io.vertx.core.json.Json.encode(id);
            // Answered from the engine, refused as another account's, and malformed.
            for (final String command : new String[] {"{\"type\":\"balances\"}",
                    "{\"type\":\"balances\",\"account\":\"alice\"}", "{\"type\":\"nope\"}"}) {
                inbox.messages.clear();
                socket.sendText("{\"op\":\"command\",\"id\":" + encoded + ",\"command\":" + command + "}", true)
                        .join();
                final JsonObject answer = new JsonObject(inbox.await("{\"id\":"));
                assertThat(answer.getValue("id")).as(command).isEqualTo(id);
                assertThat(answer.containsKey("injected")).isFalse();
                assertThat(answer.containsKey("events") || answer.containsKey("error")).isTrue();
            }
        }
        socket.abort();
    }

    @Test
    void anOrderIdFromThePathComesBackEscaped() {
        final HttpResponse<String> r = s.send(s.bob, "GET", "/v1/orders/a%22b%5Cc", (String) null);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(r.body()).getString("detail")).startsWith("no order a\"b\\c since");
    }

    @Test
    void keyAnswersAreGeneratedJson() {
        final HttpResponse<String> created = s.send(s.admin, "POST", "/v1/admin/keys", "{\"account\":\"carol\"}");
        assertThat(created.statusCode()).isEqualTo(200);
        final JsonObject key = new JsonObject(created.body());
        assertThat(key.fieldNames()).containsExactly("key", "secret", "account");
        assertThat(key.getString("account")).isEqualTo("carol");
        final HttpResponse<String> revoked = s.send(s.admin, "DELETE", "/v1/admin/keys/" + key.getString("key"),
                (String) null);
        assertThat(revoked.body()).isEqualTo("{\"revoked\":true}");
    }
}
