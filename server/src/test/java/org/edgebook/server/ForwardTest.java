package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.TransactionSignature;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/forward} (docs/transaction-path.md, "Forwarding") over real HTTP: a node's signed lines run
 * exactly once in its source; a transaction settlement refuses still takes its number and moves nothing; a gap is
 * answered with the number expected; a repeat answers its original; a malformed request changes nothing; and a
 * compromised node can neither invent nor alter a transfer.
 */
class ForwardTest {
    @TempDir
    Path dir;
    private Served served;
    private EdgeNodeClient fra;
    private KeyPair alice;
    private String aliceKey;
    private KeyPair bob;
    private String bobKey;

    @BeforeEach
    void start() throws Exception {
        served = Served.start(dir);
        fra = new EdgeNodeClient(served, "fra-1").register();
        alice = EdgeNodeClient.keyPair();
        aliceKey = EdgeNodeClient.registerClientKey(served, "alice", alice);
        bob = EdgeNodeClient.keyPair();
        bobKey = EdgeNodeClient.registerClientKey(served, "bob", bob);
    }

    @AfterEach
    void stop() throws Exception {
        served.close();
    }

    private static String transfer(final String id, final String from, final String to, final String amount) {
        return "{\"type\":\"transfer\",\"transferId\":\"" + id + "\",\"from\":\"" + from + "\",\"to\":\"" + to
                + "\",\"asset\":\"USD\",\"amount\":\"" + amount + "\"}";
    }

    private String aliceSigned(final String command) {
        return EdgeNodeClient.signed(command, alice, aliceKey, System.currentTimeMillis());
    }

    private String usd(final ApiKey key) {
        final JsonObject balances = new JsonObject(served.send(key, "GET", "/v1/balances", (String) null).body())
                .getJsonArray("events").getJsonObject(0).getJsonObject("balances");
        return balances.getJsonObject("USD").getString("available");
    }

    /** The answer's lines, asserting 200. */
    private static String[] lines(final HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
        return r.body().split("\n");
    }

    @Test
    void aSignedTransferSettlesAndARepeatAnswersTheOriginalToTheByte() {
        final String tx = aliceSigned(transfer("t-1", "alice", "bob", "12.5"));
        final String[] first = lines(fra.forward(EdgeNodeClient.line(1, tx)));
        assertThat(first).hasSize(1);
        final JsonObject settled = new JsonObject(first[0]);
        assertThat(settled.getLong("sourceSeq")).isEqualTo(1);
        assertThat(settled.getString("outcome")).isEqualTo("settled");
        assertThat(settled.getLong("cmd")).isPositive();
        assertThat(settled.getJsonArray("events").getJsonObject(0).getString("type")).isEqualTo("transferred");
        assertThat(usd(served.alice)).isEqualTo("9987.5");
        assertThat(usd(served.bob)).isEqualTo("150012.5");
        assertThat(fra.mark()).isEqualTo(1);

        // the same line again, and with a next one: the original's answer, byte for byte; the money moved once
        final String second = aliceSigned(transfer("t-2", "alice", "bob", "1"));
        final String[] again = lines(fra.forward(EdgeNodeClient.line(1, tx) + EdgeNodeClient.line(2, second)));
        assertThat(again).hasSize(2);
        assertThat(again[0]).isEqualTo(first[0]);
        assertThat(new JsonObject(again[1]).getString("outcome")).isEqualTo("settled");
        assertThat(usd(served.alice)).isEqualTo("9986.5");
        // a different transaction under a number already run is a repeat too: the first one's answer
        final String[] other = lines(fra.forward(EdgeNodeClient.line(1, aliceSigned(transfer("t-3", "alice",
                "bob", "100")))));
        assertThat(other[0]).isEqualTo(first[0]);
        assertThat(usd(served.alice)).isEqualTo("9986.5");
        assertThat(fra.mark()).isEqualTo(2);
    }

    @Test
    void aSignedPlaceTradesAndItsEventsAreInItsAccountsView() {
        final HttpResponse<String> resting = served.send(served.bob, "POST", "/v1/orders", "{\"clientOrderId\":"
                + "\"b-1\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\",\"price\":\"60000\",\"quantity\":\"0.01\"}");
        assertThat(resting.statusCode()).as(resting.body()).isEqualTo(200);
        final String[] answer = lines(fra.forward(EdgeNodeClient.line(1, aliceSigned("{\"type\":\"place\","
                + "\"account\":\"alice\",\"clientOrderId\":\"s-1\",\"symbol\":\"BTC-USD\",\"side\":\"SELL\","
                + "\"price\":\"60000\",\"quantity\":\"0.01\"}"))));
        final JsonObject settled = new JsonObject(answer[0]);
        assertThat(settled.getString("outcome")).as(answer[0]).isEqualTo("settled");
        final JsonObject trade = settled.getJsonArray("events").stream().map(JsonObject.class::cast)
                .filter(e -> e.getString("type").equals("trade")).findFirst().orElseThrow();
        assertThat(trade.getString("takerAccount")).isEqualTo("alice");
        assertThat(trade.getString("takerOrderId")).isEqualTo("s-1");
        assertThat(trade.getValue("makerAccount")).as("bob's side is not the node's to see").isNull();
        assertThat(trade.getValue("makerOrderId")).isNull();
        assertThat(usd(served.alice)).isEqualTo("10600");
        // a refused line under the same number gets the original, still without bob's side (never the admin view)
        final JsonObject repeat = new JsonObject(lines(fra.forward(EdgeNodeClient.line(1, "{}")))[0]);
        assertThat(repeat.getLong("cmd")).isEqualTo(settled.getLong("cmd"));
        final JsonObject again = repeat.getJsonArray("events").stream().map(JsonObject.class::cast)
                .filter(e -> e.getString("type").equals("trade")).findFirst().orElseThrow();
        assertThat(again.getValue("makerAccount")).isNull();
        assertThat(again.getString("takerAccount")).isNull(); // in no account's view: neither side
        assertThat(fra.mark()).isEqualTo(1);
    }

    @Test
    void anEngineRejectionAndEveryRefusedSignatureTakeTheirNumberAndMoveNothing() {
        final long now = System.currentTimeMillis();
        final String good = aliceSigned(transfer("t-9", "alice", "bob", "12.5"));
        final String revokedPair = "t-r";
        final KeyPair old = EdgeNodeClient.keyPair();
        final String oldKey = EdgeNodeClient.registerClientKey(served, "alice", old);
        final String byRevoked = EdgeNodeClient.signed(transfer(revokedPair, "alice", "bob", "1"), old, oldKey, now);
        assertThat(served.send(served.admin, "DELETE", "/v1/admin/keys/" + oldKey, "").statusCode()).isEqualTo(200);
        final List<String[]> cases = List.of(
                new String[] {aliceSigned(transfer("t-big", "alice", "bob", "1000000")), "INSUFFICIENT_FUNDS"},
                new String[] {byRevoked, "revoked key: "},
                new String[] {good.replace("\"12.5\"", "\"12.6\""), "bad signature: "},
                new String[] {transfer("t-u", "alice", "bob", "1"), "unsigned: "},
                new String[] {EdgeNodeClient.signed(transfer("t-b", "alice", "bob", "1"), bob, bobKey, now),
                        "wrong account: "},
                new String[] {aliceSigned(transfer("t-s", "alice", "bob", "1").replace("}",
                        ",\"source\":\"alice:app\",\"sourceSeq\":1}")), "own source: "},
                new String[] {aliceSigned("{\"type\":\"cancel\",\"account\":\"alice\",\"clientOrderId\":\"o-1\"}"),
                        "not signable: "},
                new String[] {EdgeNodeClient.signed(transfer("t-o", "alice", "bob", "1"), alice, aliceKey,
                        now - 25 * 3_600_000L), "too old: "},
                new String[] {good.replace(aliceKey, "ck-AAAAAAAAAAAAAAAA"), "unknown key: "},
                new String[] {"{\"type\":\"transfer\",\"nonsense\":1}", "MALFORMED: "});
        final StringBuilder body = new StringBuilder();
        for (int i = 0; i < cases.size(); i++) {
            body.append(EdgeNodeClient.line(i + 1, cases.get(i)[0]));
        }
        final String[] answers = lines(fra.forward(body.toString()));
        assertThat(answers).hasSize(cases.size());
        for (int i = 0; i < cases.size(); i++) {
            final JsonObject a = new JsonObject(answers[i]);
            assertThat(a.getLong("sourceSeq")).isEqualTo(i + 1);
            assertThat(a.getString("outcome")).as(answers[i]).isEqualTo("rejected");
            assertThat(a.getString("reason")).as(answers[i]).startsWith(cases.get(i)[1]);
            assertThat(a.getJsonArray("events").getJsonObject(0).getString("type")).isEqualTo("rejected");
        }
        assertThat(usd(served.alice)).isEqualTo("10000");
        assertThat(usd(served.bob)).isEqualTo("150000");
        assertThat(fra.mark()).isEqualTo(cases.size());
    }

    @Test
    void aGapIsAnsweredWithTheNumberExpectedAndRunsNothing() {
        lines(fra.forward(EdgeNodeClient.line(1, aliceSigned(transfer("t-1", "alice", "bob", "1")))));
        final String[] gap = lines(fra.forward(EdgeNodeClient.line(5, aliceSigned(transfer("t-5", "alice", "bob",
                "1"))) + EdgeNodeClient.line(6, aliceSigned(transfer("t-6", "alice", "bob", "1")))));
        assertThat(gap).containsExactly("{\"sourceSeq\":5,\"outcome\":\"gap\",\"expected\":2}",
                "{\"sourceSeq\":6,\"outcome\":\"gap\",\"expected\":2}");
        assertThat(fra.mark()).isEqualTo(1);
        assertThat(usd(served.alice)).isEqualTo("9999");
    }

    @Test
    void aMalformedRequestIs400AndChangesNothing() throws Exception {
        lines(fra.forward(EdgeNodeClient.line(1, aliceSigned(transfer("t-1", "alice", "bob", "1")))));
        final long records = served.journalRecords();
        final String tx = aliceSigned(transfer("t-2", "alice", "bob", "1"));
        final List<String[]> bad = List.of(new String[] {"", "holds no line"},
                new String[] {"\n\n", "holds no line"},
                new String[] {"not json\n", "line 1: not JSON"},
                new String[] {"[1]\n", "line 1: not a JSON object"},
                new String[] {"{\"tx\":" + tx + "}\n", "line 1: sourceSeq is required"},
                new String[] {"{\"sourceSeq\":2}\n", "line 1: tx is required"},
                new String[] {"{\"sourceSeq\":\"2\",\"tx\":" + tx + "}\n", "line 1: sourceSeq is an integer"},
                new String[] {"{\"sourceSeq\":0,\"tx\":" + tx + "}\n", "line 1: sourceSeq is an integer"},
                new String[] {"{\"sourceSeq\":2.5,\"tx\":" + tx + "}\n", "line 1: sourceSeq is an integer"},
                new String[] {"{\"sourceSeq\":99999999999999999999,\"tx\":" + tx + "}\n", "sourceSeq is an integer"},
                new String[] {"{\"sourceSeq\":2,\"tx\":\"x\"}\n", "line 1: tx is a JSON object"},
                new String[] {"{\"sourceSeq\":2,\"tx\":" + tx + ",\"extra\":1}\n", "nothing else, not extra"},
                new String[] {"{\"sourceSeq\":2,\"sourceSeq\":3,\"tx\":" + tx + "}\n", "sourceSeq is given twice"},
                new String[] {"{\"sourceSeq\":2,\"tx\":" + tx + "} {}\n", "more than one JSON value"},
                new String[] {EdgeNodeClient.line(2, tx) + EdgeNodeClient.line(4, tx), "line 2: sourceSeq 4 does "
                        + "not follow 2"},
                new String[] {EdgeNodeClient.line(2, tx) + EdgeNodeClient.line(2, tx), "line 2: sourceSeq 2"},
                new String[] {EdgeNodeClient.line(2, tx) + "{\"sourceSeq\":3}\n", "line 2: tx is required"});
        for (final String[] b : bad) {
            final HttpResponse<String> r = fra.forward(b[0]);
            assertThat(r.statusCode()).as(b[0] + " " + r.body()).isEqualTo(400);
            assertThat(new JsonObject(r.body()).getString("detail")).as(b[0]).contains(b[1])
                    .endsWith("nothing in the request was done");
        }
        assertThat(fra.mark()).isEqualTo(1);
        assertThat(served.journalRecords()).isEqualTo(records);
        assertThat(usd(served.alice)).isEqualTo("9999");
    }

    @Test
    void aCompromisedNodeCanNeitherInventNorAlterNorReplayATransfer() throws Exception {
        final String real = aliceSigned(transfer("t-real", "alice", "bob", "10"));
        final String[] settled = lines(fra.forward(EdgeNodeClient.line(1, real)));
        assertThat(new JsonObject(settled[0]).getString("outcome")).isEqualTo("settled");
        assertThat(usd(served.alice)).isEqualTo("9990");
        assertThat(usd(served.bob)).isEqualTo("150010");

        // invented: signed with the node's own key as if a client key (its id is no registered client key)
        final String nodeKeyId = TransactionSignature.keyId(TransactionSignature.raw(fra.pair.getPublic()));
        final String invented = EdgeNodeClient.signed(transfer("t-inv", "alice", "carol", "5000"), fra.pair,
                nodeKeyId, System.currentTimeMillis());
        // invented and unsigned
        final String unsigned = transfer("t-uns", "alice", "carol", "5000");
        // alice's real transfer with the amount or the payee changed after she signed it
        final byte[] realBytes = real.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        final java.util.Map<String, Object> payee = CanonicalJson.parseObject(realBytes, 0, realBytes.length);
        payee.put("to", "carol");
        payee.put("transferId", "t-payee");
        final String alteredAmount = real.replace("\"10\"", "\"9000\"").replace("t-real", "t-amount");
        final String[] answers = lines(fra.forward(EdgeNodeClient.line(2, invented)
                + EdgeNodeClient.line(3, unsigned) + EdgeNodeClient.line(4, alteredAmount)
                + EdgeNodeClient.line(5, CanonicalJson.write(payee))
                + EdgeNodeClient.line(6, real))); // the settled one again, under a new number
        final String[] why = {"unknown key: ", "unsigned: ", "bad signature: ", "bad signature: ",
                "DUPLICATE_TRANSFER"};
        for (int i = 0; i < why.length; i++) {
            final JsonObject a = new JsonObject(answers[i]);
            assertThat(a.getLong("sourceSeq")).isEqualTo(i + 2);
            assertThat(a.getString("outcome")).as(answers[i]).isEqualTo("rejected");
            assertThat(a.getString("reason")).as(answers[i]).startsWith(why[i]);
        }
        assertThat(usd(served.alice)).isEqualTo("9990");
        assertThat(usd(served.bob)).isEqualTo("150010");
        assertThat(fra.mark()).isEqualTo(6);
        // nor can it number anything as its own API-key-less self elsewhere: the batch route is not its
        assertThat(fra.send("POST", "/v1/batch", unsigned).statusCode()).isEqualTo(403);
    }

    @Test
    void aJournalThatFailsIsAnswered503WithTheLinesThatStand(@TempDir final Path other) throws Exception {
        final FailingJournal journal = new FailingJournal();
        final Served failing = Served.start(other, journal, w -> {});
        try {
            final EdgeNodeClient ams = new EdgeNodeClient(failing, "ams-1").register();
            final KeyPair carol = EdgeNodeClient.keyPair();
            final String carolKey = EdgeNodeClient.registerClientKey(failing, "alice", carol);
            journal.failAfter(0);
            final HttpResponse<String> r = ams.forward(EdgeNodeClient.line(1, EdgeNodeClient.signed(transfer("t-1",
                    "alice", "bob", "1"), carol, carolKey, System.currentTimeMillis())));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).hasValue(Long.toString(Refusal.AFTER_JOURNAL_FAILURE));
            final JsonObject body = new JsonObject(r.body());
            assertThat(body.getString("error")).isEqualTo("unavailable");
            assertThat(body.getInteger("durableLines")).isZero();
            assertThat(body.getString("detail")).contains(FailingJournal.CAUSE, "no line of the request was made "
                    + "durable");
        } finally {
            try {
                failing.close();
            } catch (final java.io.IOException e) {
                assertThat(e).hasMessageContaining(FailingJournal.CAUSE);
            }
        }
    }

    @Test
    void aRepeatAfterARestartIsAnsweredFromTheJournal() throws Exception {
        final String tx = aliceSigned(transfer("t-1", "alice", "bob", "3"));
        final String[] first = lines(fra.forward(EdgeNodeClient.line(1, tx)));
        served.close();
        served = Served.start(dir);
        fra.use(served);
        final String[] again = lines(fra.forward(EdgeNodeClient.line(1, tx)));
        assertThat(again[0]).isEqualTo(first[0]);
        assertThat(usd(served.alice)).isEqualTo("9997");
    }
}
