package org.edgebook.edge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.TransactionSignature;
import org.edgebook.edge.EdgeConfig;
import org.edgebook.edge.EdgeNode;
import org.edgebook.edge.outbox.Outbox;
import org.edgebook.edge.tx.ClientKeys;
import org.edgebook.edge.tx.TransactionPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heartbeat's node telemetry from a real node with its transaction path (settlement unreachable, so what is taken
 * stays in the outbox): transactions of the interval, outbox depth, forward lag, memory, health.
 */
class NodeTelemetryTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(
            Duration.ofSeconds(5)).build();
    private EdgeNode node;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void transactionsCountTheIntervalAndTheOutboxIsReported() throws Exception {
        // The wall clock: the forward lag is the age of the oldest unsettled transaction, by the outbox's clock.
        final long now = System.currentTimeMillis();
        node = EdgeNode.start(EdgeConfig.defaults("127.0.0.1", 0), System::currentTimeMillis, (fn, sha, id, text) -> {},
                1,
                new TransactionPath.Options(dir, URI.create("http://127.0.0.1:1"), "test-1", Ed25519Key.Private.of(
                        KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate()),
                        TransactionPath.Options.DEFAULT_SIGNED_MAX_AGE_MILLIS, 5_000, Outbox.Options.defaults()));
        final KeyPair alice = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final String aliceKey = TransactionSignature.keyId(TransactionSignature.raw(alice.getPublic()));
        node.transactions().keys().apply(2, List.of(new ClientKeys.Entry(aliceKey, "alice", Ed25519Key.Public.of(
                TransactionSignature.raw(alice.getPublic())), false)), now);
        final DesiredStateApplier applier = new DesiredStateApplier(node, TrustedPublishers.of(Map.of()),
                new ModuleStore(dir), sha -> {
                    throw new java.io.IOException("no control plane here");
                });
        final NodeTelemetry telemetry = new NodeTelemetry(node, applier, "edgebook-edge/test", Map.of());
        assertThat(telemetry.collect(1).telemetry().transactions()).isZero();

        for (int i = 0; i < 2; i++) {
            final Map<String, Object> tx = new LinkedHashMap<>();
            tx.put("type", "transfer");
            tx.put("transferId", "t-" + i);
            tx.put("from", "alice");
            tx.put("to", "bob");
            tx.put("asset", "USD");
            tx.put("amount", "1.00");
            final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node
                    .port() + "/v1/tx")).POST(HttpRequest.BodyPublishers.ofString(CanonicalJson.write(
                            TransactionSignature.sign(tx, alice.getPrivate(), aliceKey, now - 1000)))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        }
        final Heartbeat h = telemetry.collect(2);
        assertThat(h.telemetry().transactions()).isEqualTo(2);
        assertThat(h.telemetry().outboxDepth()).isEqualTo(2);
        assertThat(h.telemetry().forwardLagMillis()).isNotNegative().isLessThan(60_000);
        assertThat(h.telemetry().heapUsedBytes()).isPositive();
        assertThat(h.telemetry().rssBytes()).isEqualTo(NodeTelemetry.rss() == 0 ? 0 : h.telemetry().rssBytes())
                .isNotNegative();
        assertThat(h.health()).isEqualTo(Heartbeat.OK);
        assertThat(h.applied()).isEmpty();
        assertThat(h.routes()).extracting(Heartbeat.RouteReport::path).containsExactly("/native/telemetry",
                "/native/transform", "/wasm/telemetry", "/wasm/transform");
        assertThat(h.routes().get(3).module()).isEqualTo("bundled:transform-memory.wasm");
        assertThat(telemetry.collect(3).telemetry().transactions()).isZero();
        if (Path.of("/proc/self/status").toFile().exists()) {
            assertThat(NodeTelemetry.rss()).isPositive();
        }
    }
}
