package org.edgebook.edge.forward;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.edge.EdgeMetrics;
import org.edgebook.edge.outbox.Outbox;
import org.edgebook.edge.screening.Decision;

/** An outbox, a {@link FakeSettlement}, and the node's client and forwarder between them; for the tests here. */
final class ForwardHarness implements AutoCloseable {
    static final String NODE = "fra-1";
    static final Decision ACCEPT = new Decision(Decision.Kind.ACCEPT, null, 10, null);
    static final Decision HOLD = new Decision(Decision.Kind.HOLD, "VELOCITY", 70, null);

    final Vertx vertx = Vertx.vertx();
    final Ed25519Key.Private nodeKey;
    final FakeSettlement settlement;
    final Path dir;
    final EdgeMetrics metrics = new EdgeMetrics();
    final List<Long> sleeps = new CopyOnWriteArrayList<>();
    final List<String> accepted = new ArrayList<>();
    final Map<String, byte[]> txs = new HashMap<>();
    Outbox outbox;
    SettlementClient client;
    Forwarder forwarder;
    Forwarder.Options options = Forwarder.Options.defaults().withBatches(8, 4).withIdle(20)
            .withBackoff(1, 20, RandomGenerator.getDefault(), this::sleep);
    long timeoutMillis = 5_000;

    ForwardHarness(final Path dir) throws Exception {
        this.dir = dir;
        final KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
        nodeKey = Ed25519Key.Private.of(g.generateKeyPair().getPrivate());
        settlement = new FakeSettlement(vertx, NODE, Ed25519Key.Public.of(nodeKey.publicRaw()));
        outbox = Outbox.open(dir, Outbox.Options.defaults());
    }

    /** The backoff seam: records the delay and waits at most 2 ms of it. */
    private void sleep(final long millis) throws InterruptedException {
        sleeps.add(millis);
        Thread.sleep(Math.min(millis, 2));
    }

    ForwardHarness start() {
        client = new SettlementClient(vertx, URI.create("http://127.0.0.1:" + settlement.port()), NODE, nodeKey,
                SettlementClient.Options.defaults().withTimeout(timeoutMillis));
        forwarder = new Forwarder(outbox, client, metrics.forwarding(), options).start();
        return this;
    }

    /** Stops the forwarder, closes the outbox and opens it again from its directory (a node's restart). */
    void restart() throws Exception {
        forwarder.close();
        client.close();
        outbox.close();
        outbox = Outbox.open(dir, Outbox.Options.defaults());
        start();
    }

    static byte[] tx(final String id, final String amount) {
        // Spaces where a re-serialization would drop them: the tx must reach settlement byte for byte.
        return ("{ \"type\" : \"transfer\", \"transferId\": \"" + id + "\", \"from\":\"a1\",\"to\":\"a2\","
                + "\"asset\":\"USD\",\"amount\":\"" + amount + "\",\"signedAt\":1767225600000,"
                + "\"sig\":\"c2lnbmF0dXJl\" }").getBytes(StandardCharsets.UTF_8);
    }

    /** Accepts {@code n} transactions {@code prefix1…}; every {@code rejectEvery}-th is one settlement rejects. */
    List<String> accept(final String prefix, final int n, final int rejectEvery) throws Exception {
        final List<String> ids = new ArrayList<>();
        final List<CompletableFuture<Long>> durable = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            final String id = prefix + i;
            final String amount = rejectEvery > 0 && i % rejectEvery == 0 ? "999999" : "10." + i;
            final byte[] tx = tx(id, amount);
            txs.put(id, tx);
            durable.add(outbox.accepted(id, tx, ACCEPT, System.currentTimeMillis() * 1000));
            ids.add(id);
        }
        CompletableFuture.allOf(durable.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        accepted.addAll(ids);
        if (forwarder != null) {
            forwarder.wake();
        }
        return ids;
    }

    static void waitFor(final String what, final BooleanSupplier condition) {
        waitFor(what, condition, () -> "");
    }

    /** Polls the condition until it holds or 30 s pass (then fails, saying what it waited for and the state). */
    static void waitFor(final String what, final BooleanSupplier condition, final Supplier<String> state) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; " + state.get());
            }
            try {
                Thread.sleep(5);
            } catch (final InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    boolean allEnded(final List<String> ids) {
        for (final String id : ids) {
            final Outbox.State s = outbox.state(id).state();
            if (s != Outbox.State.SETTLED && s != Outbox.State.REJECTED) {
                return false;
            }
        }
        return true;
    }

    void waitAllEnded() {
        waitFor("every accepted transaction to be settled or rejected", () -> allEnded(accepted),
                () -> "depth " + outbox.depth() + ", settlement's mark " + settlement.mark() + ", problem "
                        + (forwarder == null ? null : forwarder.problem()));
    }

    /**
     * Every accepted transaction ran exactly once at settlement, in forwarding order (which is acceptance order when
     * nothing was held), reached it byte for byte, and its outcome in the outbox is settlement's first answer.
     */
    void assertExactlyOnce(final boolean acceptanceOrder) throws Exception {
        final List<Outbox.TxState> states = new ArrayList<>();
        for (final String id : accepted) {
            states.add(outbox.state(id));
        }
        states.sort(Comparator.comparingLong(Outbox.TxState::forwardSeq));
        final List<String> byForwardSeq = states.stream().map(Outbox.TxState::id).toList();
        assertThat(settlement.runOrder()).containsExactlyElementsOf(byForwardSeq);
        if (acceptanceOrder) {
            assertThat(byForwardSeq).containsExactlyElementsOf(accepted);
        }
        assertThat(settlement.runs().values()).allMatch(n -> n == 1);
        assertThat(settlement.mark()).isEqualTo(accepted.size());
        for (final Outbox.TxState s : states) {
            final JsonNode answer = settlement.answer(s.forwardSeq());
            assertThat(answer).as("settlement's answer for " + s.id()).isNotNull();
            assertThat(settlement.txAt(s.forwardSeq())).as("the bytes settlement got for " + s.id())
                    .isEqualTo(txs.get(s.id()));
            if (answer.path("outcome").asText().equals("settled")) {
                assertThat(s.state()).isEqualTo(Outbox.State.SETTLED);
                assertThat(s.settlementSeq()).isEqualTo(answer.path("cmd").asLong());
                assertThat(new String(s.events(), StandardCharsets.UTF_8)).isEqualTo(answer.path("events")
                        .toString());
            } else {
                assertThat(s.state()).isEqualTo(Outbox.State.REJECTED);
                assertThat(s.rejectedBy()).isEqualTo("settlement");
                assertThat(s.reason()).isEqualTo("INSUFFICIENT_FUNDS");
            }
        }
        assertThat(settlement.unauthorized()).isEmpty();
    }

    @Override
    public void close() throws Exception {
        if (forwarder != null) {
            forwarder.close();
        }
        if (client != null) {
            client.close();
        }
        outbox.close();
        settlement.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
