package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once into settlement for any source (issue 11), over real HTTP and WebSockets: a repeat gets the original
 * answer and changes nothing, from memory and, after a restart, from the journal; a gap is refused with the number
 * expected; the mark can be read to resume.
 */
class SourcesTest {

    private static final String TRANSFER = "{\"transferId\":\"rent\",\"to\":\"bob\",\"asset\":\"USD\","
            + "\"amount\":\"100.25\",\"source\":\"alice:app\",\"sourceSeq\":1}";

    private static String usd(final Served s, final ApiKey key) {
        final JsonObject balances = new JsonObject(s.send(key, "GET", "/v1/balances", (String) null).body())
                .getJsonArray("events").getJsonObject(0).getJsonObject("balances");
        return balances.getJsonObject("USD").getString("available");
    }

    private static JsonObject mark(final Served s, final ApiKey key, final String source) {
        final HttpResponse<String> r = s.send(key, "GET", "/v1/sources/" + source, (String) null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body());
    }

    @Test
    void aRepeatedTransferGetsTheOriginalAnswerAndMovesMoneyOnceEvenAfterARestart(@TempDir final Path dir)
            throws Exception {
        final String original;
        try (Served s = Served.start(dir)) {
            assertThat(mark(s, s.alice, "alice:app").encode()).isEqualTo("{\"source\":\"alice:app\",\"mark\":0}");
            final HttpResponse<String> first = s.send(s.alice, "POST", "/v1/transfers", TRANSFER);
            assertThat(first.statusCode()).isEqualTo(200);
            original = first.body();
            assertThat(original).contains("\"type\":\"transferred\"").doesNotContain("duplicate");
            assertThat(mark(s, s.alice, "alice:app").getLong("mark")).isEqualTo(1);

            final HttpResponse<String> again = s.send(s.alice, "POST", "/v1/transfers", TRANSFER);
            assertThat(again.statusCode()).isEqualTo(200);
            // The original answer, seq, time and events to the byte, marked as a repeat.
            assertThat(again.body()).isEqualTo(original.substring(0, original.length() - 1) + ",\"duplicate\":true}");
            assertThat(usd(s, s.alice)).isEqualTo("9899.75");
            assertThat(usd(s, s.bob)).isEqualTo("150100.25");
        }
        try (Served s = Served.start(dir)) { // the window is empty: the journal has the original
            final HttpResponse<String> again = s.send(s.alice, "POST", "/v1/transfers", TRANSFER);
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(again.body()).isEqualTo(original.substring(0, original.length() - 1) + ",\"duplicate\":true}");
            assertThat(usd(s, s.alice)).isEqualTo("9899.75");
            assertThat(mark(s, s.alice, "alice:app").getLong("mark")).isEqualTo(1);
            // A different command under the same number is a repeat too: the first one's answer, nothing runs.
            final HttpResponse<String> other = s.send(s.alice, "POST", "/v1/transfers", TRANSFER.replace("100.25",
                    "5"));
            assertThat(other.body()).isEqualTo(again.body());
            assertThat(usd(s, s.alice)).isEqualTo("9899.75");
        }
    }

    @Test
    void aRejectedCommandMovesTheMarkAndItsRepeatIsTheRejectionAGapIs422WithTheExpectedNumber(
                                                                                              @TempDir final Path dir)
            throws Exception {
        try (Served s = Served.start(dir)) {
            final String tooMuch = "{\"type\":\"withdraw\",\"account\":\"alice\",\"asset\":\"USD\",\"amount\":"
                    + "\"99999\",\"withdrawalId\":\"w1\",\"source\":\"edge-1\",\"sourceSeq\":1}";
            final HttpResponse<String> rejected = s.send(s.admin, "POST", "/v1/admin/withdrawals", tooMuch);
            assertThat(rejected.statusCode()).isEqualTo(422);
            assertThat(rejected.body()).contains("INSUFFICIENT_FUNDS");
            assertThat(mark(s, s.admin, "edge-1").getLong("mark")).isEqualTo(1);
            final HttpResponse<String> repeat = s.send(s.admin, "POST", "/v1/admin/withdrawals", tooMuch);
            assertThat(repeat.statusCode()).isEqualTo(422);
            assertThat(repeat.body()).isEqualTo(rejected.body().substring(0, rejected.body().length() - 1)
                    + ",\"duplicate\":true}");

            final long records = s.journalRecords();
            final HttpResponse<String> gap = s.send(s.admin, "POST", "/v1/admin/deposits", "{\"account\":\"alice\","
                    + "\"asset\":\"USD\",\"amount\":\"1\",\"depositId\":\"d9\",\"source\":\"edge-1\",\"sourceSeq\":3}");
            assertThat(gap.statusCode()).isEqualTo(422);
            final JsonObject event = new JsonObject(gap.body()).getJsonArray("events").getJsonObject(0);
            assertThat(event.getString("reason")).isEqualTo("SEQUENCE_GAP");
            assertThat(event.getLong("expected")).isEqualTo(2);
            assertThat(event.getLong("sourceSeq")).isEqualTo(3);
            assertThat(s.journalRecords()).isEqualTo(records + 1); // journaled like any command, and nothing moved
            assertThat(usd(s, s.alice)).isEqualTo("10000");
            assertThat(mark(s, s.admin, "edge-1").getLong("mark")).isEqualTo(1);

            // A good pair on an otherwise malformed body: MALFORMED (400) is that number's answer, and the mark moves.
            final HttpResponse<String> malformed = s.send(s.alice, "PATCH", "/v1/orders/o1", "{\"price\":\"1e3\","
                    + "\"source\":\"alice\",\"sourceSeq\":1}");
            assertThat(malformed.statusCode()).isEqualTo(400);
            assertThat(malformed.body()).contains("\"reason\":\"MALFORMED\"", "price must be a plain decimal");
            assertThat(mark(s, s.alice, "alice").getLong("mark")).isEqualTo(1);
            assertThat(s.send(s.alice, "PATCH", "/v1/orders/o1", "{\"price\":\"100\",\"source\":\"alice\","
                    + "\"sourceSeq\":1}").body()).contains("\"reason\":\"MALFORMED\"", "\"duplicate\":true");
        }
    }

    @Test
    void sourcesBelongToTheirKeysAndAMalformedPairIsRefusedAtTheDoor(@TempDir final Path dir) throws Exception {
        try (Served s = Served.start(dir)) {
            final long records = s.journalRecords();
            // An account key numbers only its account's own sources, and reads only their marks.
            final HttpResponse<String> foreign = s.send(s.alice, "POST", "/v1/transfers", TRANSFER.replace(
                    "alice:app", "edge-1"));
            assertThat(foreign.statusCode()).isEqualTo(403);
            assertThat(foreign.body()).contains("alice:");
            assertThat(s.send(s.bob, "GET", "/v1/sources/alice:app", (String) null).statusCode()).isEqualTo(403);
            assertThat(s.send(s.bob, "GET", "/v1/sources/alice", (String) null).statusCode()).isEqualTo(403);
            assertThat(mark(s, s.bob, "bob").getLong("mark")).isZero();
            assertThat(mark(s, s.admin, "alice:app").getLong("mark")).isZero();
            assertThat(s.send(s.admin, "GET", "/v1/sources/a%20b", (String) null).body())
                    .contains("MALFORMED", "source may hold only");
            // A malformed pair is MALFORMED naming the field, and nobody's numbered command: nothing journaled.
            final HttpResponse<String> noSeq = s.send(s.alice, "POST", "/v1/transfers", TRANSFER.replace(
                    ",\"sourceSeq\":1", ""));
            assertThat(noSeq.statusCode()).isEqualTo(400);
            assertThat(noSeq.body()).contains("source needs a sourceSeq");
            assertThat(s.send(s.alice, "POST", "/v1/transfers", TRANSFER.replace("\"sourceSeq\":1", "\"sourceSeq\":0"))
                    .body()).contains("sourceSeq must be an integer from 1");
            // Refusals at the door are not commands, and reading a mark is not one either.
            assertThat(s.journalRecords()).isEqualTo(records);
        }
    }

    @Test
    void anAccountNamedLikeAnotherAccountsSourceNumbersNothingSoItCannotTakeThatSourcesNumbers(
                                                                                               @TempDir final Path dir)
            throws Exception {
        try (Served s = Served.start(dir)) {
            final HttpResponse<String> made = s.send(s.admin, "POST", "/v1/admin/keys",
                    "{\"account\":\"alice:app\"}");
            assertThat(made.statusCode()).isEqualTo(200);
            final io.vertx.core.json.JsonObject created = new io.vertx.core.json.JsonObject(made.body());
            final ApiKey lookalike = s.server.keys().find(created.getString("key"));
            final HttpResponse<String> taken = s.send(lookalike, "POST", "/v1/transfers", TRANSFER.replace(
                    "\"to\":\"bob\"", "\"to\":\"bob\"").replace("\"transferId\":\"rent\"",
                            "\"transferId\":\"steal\""));
            assertThat(taken.statusCode()).isEqualTo(403);
            assertThat(taken.body()).contains("numbers no source");
            assertThat(s.send(lookalike, "GET", "/v1/sources/alice:app", (String) null).statusCode())
                    .isEqualTo(403);
            assertThat(s.send(lookalike, "GET", "/v1/sources/alice:app:2", (String) null).statusCode())
                    .isEqualTo(403);
            // alice's own source is still hers: her first number runs.
            assertThat(s.send(s.alice, "POST", "/v1/transfers", TRANSFER).statusCode()).isEqualTo(200);
            assertThat(mark(s, s.alice, "alice:app").getLong("mark")).isEqualTo(1);
        }
    }

    @Test
    void aRepeatIsAnsweredOnlyToAKeyThatMaySeeTheOriginal(@TempDir final Path dir) throws Exception {
        try (Served s = Served.start(dir)) {
            // The admin numbers any source, an account's namespace included, and any account's commands.
            final HttpResponse<String> deposit = s.send(s.admin, "POST", "/v1/admin/deposits", "{\"account\":\"bob\","
                    + "\"asset\":\"USD\",\"amount\":\"1\",\"depositId\":\"d1\",\"source\":\"alice:x\",\"sourceSeq\":1}");
            assertThat(deposit.statusCode()).isEqualTo(200);
            // Alice repeating that number is not shown bob's deposit; nothing runs either.
            final HttpResponse<String> repeat = s.send(s.alice, "POST", "/v1/transfers", TRANSFER.replace("alice:app",
                    "alice:x"));
            assertThat(repeat.statusCode()).isEqualTo(403);
            assertThat(repeat.body()).contains("not a command of account alice");
            assertThat(usd(s, s.alice)).isEqualTo("10000");
            assertThat(mark(s, s.alice, "alice:x").getLong("mark")).isEqualTo(1);
            // The admin's own repeat is answered in full.
            final HttpResponse<String> admin = s.send(s.admin, "POST", "/v1/admin/deposits", "{\"account\":\"bob\","
                    + "\"asset\":\"USD\",\"amount\":\"1\",\"depositId\":\"d1\",\"source\":\"alice:x\",\"sourceSeq\":1}");
            assertThat(admin.body()).isEqualTo(deposit.body().substring(0, deposit.body().length() - 1)
                    + ",\"duplicate\":true}");
        }
    }

    @Test
    void theWebSocketAndTheBatchGiveTheOriginalToo(@TempDir final Path dir) throws Exception {
        try (Served s = Served.start(dir)) {
            final Served.Inbox inbox = new Served.Inbox();
            final WebSocket socket = s.connect(s.bob, inbox);
            final String place = "{\"type\":\"place\",\"clientOrderId\":\"w1\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\","
                    + "\"price\":\"60000\",\"quantity\":\"0.01\",\"source\":\"bob\",\"sourceSeq\":1}";
            socket.sendText("{\"op\":\"command\",\"id\":1,\"command\":" + place + "}", true).join();
            final String first = inbox.await("{\"id\":1,");
            socket.sendText("{\"op\":\"command\",\"id\":\"again\",\"command\":" + place + "}", true).join();
            final String again = inbox.await("{\"id\":\"again\",");
            assertThat(again).isEqualTo("{\"id\":\"again\"," + first.substring("{\"id\":1,".length(),
                    first.length() - 1) + ",\"duplicate\":true}");
            socket.abort();

            final String line = "{\"type\":\"cancel\",\"account\":\"bob\",\"clientOrderId\":\"w1\",\"source\":\"bob\","
                    + "\"sourceSeq\":2}";
            final HttpResponse<String> batch = s.send(s.bob, "POST", "/v1/batch", line + "\n" + line + "\n"
                    + "{\"type\":\"balances\",\"account\":\"bob\"}\n");
            assertThat(batch.statusCode()).isEqualTo(200);
            final String[] lines = batch.body().split("\n");
            assertThat(lines).hasSize(4);
            assertThat(lines[0]).contains("\"type\":\"cancelled\"");
            // The repeat: its own duplicate event, then the original's events (with the original's seq).
            assertThat(lines[1]).contains("\"type\":\"duplicate\"", "\"source\":\"bob\"", "\"sourceSeq\":2",
                    "\"mark\":2");
            assertThat(lines[2]).isEqualTo(lines[0]);
            assertThat(lines[3]).contains("\"type\":\"balances\"");
        }
    }
}
