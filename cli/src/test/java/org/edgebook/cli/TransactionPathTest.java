package org.edgebook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import org.edgebook.edge.EdgeConfig;
import org.edgebook.edge.EdgeNode;
import org.edgebook.edge.outbox.Outbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transaction path end to end, in one JVM over real HTTP and real files: a payment signed by a client, taken by an
 * edge node, screened by the bundled WebAssembly function, queued through an outage of settlement, and settled exactly
 * once when settlement is back; a held payment waits for the operator without blocking the others; a key revoked at
 * settlement stops working at the edge within seconds.
 */
class TransactionPathTest {
    @TempDir
    Path dir;

    private static String state(final EdgeNode node, final String id) {
        final Outbox.TxState s = node.transactions().outbox().state(id);
        return s == null ? "unknown" : s.state().name().toLowerCase(java.util.Locale.ROOT);
    }

    @Test
    void aSignedPaymentIsQueuedThroughAnOutageAndSettledExactlyOnce() throws Exception {
        try (TxStack stack = new TxStack(dir)) {
            final KeyPair alice = TxStack.newKey();
            final KeyPair nodeKey = TxStack.newKey();
            stack.clientKey("alice", alice);
            stack.node("fra-1", nodeKey);
            final String aliceBefore = stack.balance("alice", "USD");
            final String bobBefore = stack.balance("bob", "USD");
            try (EdgeNode edge = stack.edge("fra-1", nodeKey, stack.settlementUri(), EdgeConfig.defaults("127.0.0.1",
                    0))) {
                TxStack.await("the edge has alice's key", 10, () -> edge.transactions().keys().size() >= 1);

                final HttpResponse<String> first = stack.post(edge, "/v1/tx", TxStack.transfer(alice, "pay-1",
                        "alice", "bob", "USD", "25"));
                assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
                TxStack.await("pay-1 settled", 10, () -> state(edge, "transfer:pay-1@alice").equals("settled"));

                stack.stopSettlement(); // the outage: the edge keeps taking payments
                for (int i = 2; i <= 4; i++) {
                    final HttpResponse<String> r = stack.post(edge, "/v1/tx", TxStack.transfer(alice, "pay-" + i,
                            "alice", "bob", "USD", "1.5"));
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
                }
                TxStack.await("the forwarder finds settlement gone", 10, () -> edge.transactions().forwarder()
                        .problem() != null);
                assertThat(state(edge, "transfer:pay-4@alice")).isIn("queued", "forwarded");
                stack.startSettlement();
                for (int i = 2; i <= 4; i++) {
                    final String id = "transfer:pay-" + i + "@alice";
                    TxStack.await(id + " settled after the outage", 30, () -> state(edge, id).equals("settled"));
                }
                final Outbox.TxState settled = edge.transactions().outbox().state("transfer:pay-3@alice");
                assertThat(new String(settled.events(), java.nio.charset.StandardCharsets.UTF_8)).contains(
                        "\"transferId\":\"pay-3\"");
            }
            // exactly once: 25 + 3 × 1.5 moved, no more
            assertThat(new BigDecimal(stack.balance("alice", "USD"))).isEqualByComparingTo(new BigDecimal(
                    aliceBefore).subtract(new BigDecimal("29.5")));
            assertThat(new BigDecimal(stack.balance("bob", "USD"))).isEqualByComparingTo(new BigDecimal(bobBefore)
                    .add(new BigDecimal("29.5")));
        }
    }

    /**
     * Many times the outbox's quota goes through it: settled segments are compacted away as the node runs, so the
     * intake never stops for good (a 503 at the quota is answered at once and the room comes back).
     */
    @Test
    void settledSegmentsAreCompactedAwaySoTheOutboxNeverFillsForGood() throws Exception {
        try (TxStack stack = new TxStack(dir)) {
            final KeyPair alice = TxStack.newKey();
            final KeyPair nodeKey = TxStack.newKey();
            stack.clientKey("alice", alice);
            stack.node("fra-3", nodeKey);
            final long quota = 128 << 10;
            // velocity limits high enough for the 1,200 transfers of a minute (the default holds them past 600)
            final EdgeConfig config = new EdgeConfig("127.0.0.1", 0, EdgeConfig.DEFAULT_MAX_BODY_BYTES, EdgeConfig
                    .defaults("127.0.0.1", 0).routes(), dir, null, new EdgeConfig.Transactions(EdgeConfig.Route
                            .ofNative(null, "screening"), TxStack.JSON.readTree(FaultRoundsTest.SCREENING), "hold",
                            null));
            try (EdgeNode edge = stack.edge("fra-3", nodeKey, stack.settlementUri(), config, Outbox.Options
                    .defaults().withQuota(quota, 64 << 10).withSegmentBytes(16 << 10), 50)) {
                TxStack.await("the edge has alice's key", 10, () -> edge.transactions().keys().size() >= 1);
                int full = 0;
                final int count = 1200; // about 800 bytes each in the log: over 7 times the quota
                for (int i = 0; i < count; i++) {
                    final String body = TxStack.transfer(alice, "c-" + i, "alice", "bob", "USD", "0.01");
                    HttpResponse<String> r = stack.post(edge, "/v1/tx", body);
                    final long deadline = System.nanoTime() + 10_000_000_000L;
                    while (r.statusCode() == 503 && System.nanoTime() < deadline) {
                        full++;
                        Thread.sleep(20); // Retry-After says a second; the test asks sooner
                        r = stack.post(edge, "/v1/tx", body);
                    }
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
                    assertThat(edge.transactions().outbox().depth().logBytes()).isLessThanOrEqualTo(quota + (64 << 10));
                }
                final String last = "transfer:c-" + (count - 1) + "@alice";
                TxStack.await("all settled", 30, () -> state(edge, last).equals("settled"));
                System.out.printf("%d transactions through a %d KiB outbox: %d answers 503 on the way, %d segments"
                        + " now%n", count, quota >> 10, full, edge.transactions().outbox().depth().segments());
            }
        }
    }

    @Test
    void aHeldPaymentWaitsForTheOperatorAndARevokedKeyStopsAtTheEdge() throws Exception {
        try (TxStack stack = new TxStack(dir)) {
            final KeyPair bob = TxStack.newKey();
            final KeyPair nodeKey = TxStack.newKey();
            stack.clientKey("bob", bob);
            stack.node("fra-2", nodeKey);
            // one USD transfer a minute is bob's limit here (the second is held); BTC has no such limit
            final EdgeConfig config = new EdgeConfig("127.0.0.1", 0, EdgeConfig.DEFAULT_MAX_BODY_BYTES, EdgeConfig
                    .defaults("127.0.0.1", 0).routes(), dir, null, new EdgeConfig.Transactions(EdgeConfig.Route
                            .ofNative(null, "screening"), TxStack.JSON.readTree("""
                                {"holdScore": 1001, "rejectScore": 1001,
                                 "assets": {"USD": {"decimals": 6, "maxAmount": "1000", "maxCountMinute": 1,
                                   "maxAmountMinute": "100000", "maxCountHour": 1000, "maxAmountHour": "100000"},
                                            "BTC": {"decimals": 8, "maxAmount": "10", "maxCountMinute": 1000,
                                   "maxAmountMinute": "100", "maxCountHour": 1000, "maxAmountHour": "100"}}}"""),
                            "hold", null));
            try (EdgeNode edge = stack.edge("fra-2", nodeKey, stack.settlementUri(), config)) {
                TxStack.await("the edge has bob's key", 10, () -> edge.transactions().keys().size() >= 1);
                final String bobUsd = stack.balance("bob", "USD");
                assertThat(stack.post(edge, "/v1/tx", TxStack.transfer(bob, "usd-1", "bob", "alice", "USD", "3"))
                        .statusCode()).isEqualTo(202);
                final HttpResponse<String> held = stack.post(edge, "/v1/tx", TxStack.transfer(bob, "usd-2", "bob",
                        "alice", "USD", "4"));
                assertThat(TxStack.JSON.readTree(held.body()).path("state").asText()).as(held.body()).isEqualTo(
                        "held");
                assertThat(TxStack.JSON.readTree(held.body()).path("reason").asText()).isEqualTo(
                        "VELOCITY_COUNT_MINUTE");
                final HttpResponse<String> btc = stack.post(edge, "/v1/tx", TxStack.transfer(bob, "btc-1", "bob",
                        "alice", "BTC", "0.001"));
                assertThat(btc.statusCode()).as(btc.body()).isEqualTo(202);
                TxStack.await("the BTC payment settles past the held one", 10, () -> state(edge,
                        "transfer:btc-1@bob").equals("settled"));
                assertThat(state(edge, "transfer:usd-2@bob")).isEqualTo("held");
                assertThat(new BigDecimal(stack.balance("bob", "USD"))).as("only the first moved")
                        .isEqualByComparingTo(new BigDecimal(bobUsd).subtract(new BigDecimal("3")));

                // the operator releases it: it is forwarded and settles
                final org.edgebook.edge.tx.OperatorKey op = edge.transactions().operator();
                final String path = "/v1/tx/transfer:usd-2@bob/release";
                final String ts = Long.toString(System.currentTimeMillis());
                final HttpResponse<String> released = stack.http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + edge.port() + path)).POST(
                                java.net.http.HttpRequest.BodyPublishers.noBody()).header("EB-KEY", op.id()).header(
                                        "EB-TIMESTAMP", ts)
                        .header("EB-SIGNATURE", org.edgebook.http.RequestSignature.sign(op.secretText().getBytes(
                                java.nio.charset.StandardCharsets.US_ASCII), ts, "POST", path, new byte[0])).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(released.statusCode()).as(released.body()).isEqualTo(200);
                TxStack.await("the released payment settles", 10, () -> state(edge, "transfer:usd-2@bob").equals(
                        "settled"));
                assertThat(new BigDecimal(stack.balance("bob", "USD"))).isEqualByComparingTo(new BigDecimal(bobUsd)
                        .subtract(new BigDecimal("7")));

                // revoke bob's key at settlement: the edge refuses it within seconds
                final String keys = TxStack.expect(stack.admin("GET", "/v1/admin/keys", ""), 200).body();
                assertThat(keys).contains(TxStack.keyId(bob));
                TxStack.expect(stack.admin("DELETE", "/v1/admin/keys/" + TxStack.keyId(bob), ""), 200);
                final long revokedAt = System.nanoTime();
                TxStack.await("the edge refuses the revoked key", 10, () -> {
                    try {
                        return stack.post(edge, "/v1/tx", TxStack.transfer(bob, "after-" + System.nanoTime(), "bob",
                                "alice", "BTC", "0.001")).statusCode() == 401;
                    } catch (final Exception e) {
                        throw new AssertionError(e);
                    }
                });
                System.out.printf("the edge refused a revoked key %d ms after the revocation%n", (System.nanoTime()
                        - revokedAt) / 1_000_000);
            }
        }
    }
}
