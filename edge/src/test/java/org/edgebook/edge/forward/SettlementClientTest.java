package org.edgebook.edge.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.net.SelfSignedCertificate;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.edgebook.codec.Ed25519Key;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettlementClientTest {
    @TempDir
    Path dir;

    static <T> T get(final io.vertx.core.Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static Throwable failure(final io.vertx.core.Future<?> f) throws Exception {
        final CompletableFuture<?> c = f.toCompletionStage().toCompletableFuture();
        try {
            c.get(10, TimeUnit.SECONDS);
        } catch (final ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the request succeeded");
    }

    static SettlementClient.Line line(final long seq, final String id, final String amount) {
        return new SettlementClient.Line(seq, ForwardHarness.tx(id, amount));
    }

    SettlementClient client(final ForwardHarness h, final long timeout) {
        return new SettlementClient(h.vertx, URI.create("http://127.0.0.1:" + h.settlement.port() + "/"),
                ForwardHarness.NODE, h.nodeKey, SettlementClient.Options.defaults().withTimeout(timeout));
    }

    @Test
    void forwardsSignedLinesVerbatimAndParsesEachOutcome() throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir); SettlementClient c = client(h, 2_000)) {
            assertThat(get(c.mark())).isZero();
            final List<SettlementClient.Outcome> first = get(c.forward(List.of(line(1, "t1", "1"),
                    line(2, "t2", "999999"))));
            assertThat(first.get(0)).isInstanceOfSatisfying(SettlementClient.Settled.class, s -> {
                assertThat(s.cmd()).isEqualTo(1);
                assertThat(new String(s.events(), StandardCharsets.UTF_8))
                        .isEqualTo("[{\"type\":\"transferred\",\"cmd\":1,\"transferId\":\"t1\"}]");
            });
            assertThat(first.get(1)).isInstanceOfSatisfying(SettlementClient.Rejected.class,
                    r -> assertThat(r.reason()).isEqualTo("INSUFFICIENT_FUNDS"));
            assertThat(h.settlement.txAt(1)).isEqualTo(ForwardHarness.tx("t1", "1"));
            assertThat(get(c.mark())).isEqualTo(2);
            // A repeat answers the original outcome; a line past the mark + 1 is a gap, and so is every one after.
            final List<SettlementClient.Outcome> again = get(c.forward(List.of(line(2, "t2", "999999"),
                    line(3, "t3", "3"))));
            assertThat(again.get(0)).isInstanceOfSatisfying(SettlementClient.Rejected.class,
                    r -> assertThat(r.cmd()).isEqualTo(2));
            assertThat(again.get(1)).isInstanceOf(SettlementClient.Settled.class);
            final List<SettlementClient.Outcome> gap = get(c.forward(List.of(line(5, "t5", "5"),
                    line(6, "t6", "6"))));
            assertThat(gap).containsExactly(new SettlementClient.Gap(5, 4), new SettlementClient.Gap(6, 4));
            assertThat(h.settlement.unauthorized()).isEmpty();
        }
    }

    @Test
    void everyFailureIsAnsweredAtOnceWithWhatWentWrong() throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir); SettlementClient c = client(h, 300)) {
            h.settlement.fault(FakeSettlement.Fault.UNAVAILABLE);
            final Throwable unavailable = failure(c.forward(List.of(line(1, "t1", "1"), line(2, "t2", "1"))));
            assertThat(unavailable).isInstanceOfSatisfying(SettlementClient.SettlementException.class, e -> {
                assertThat(e.status()).isEqualTo(503);
                assertThat(e.retryAfterSeconds()).isEqualTo(1);
            }).hasMessageContaining("status 503").hasMessageContaining("durableLines");
            assertThat(get(c.mark())).isEqualTo(1);

            h.settlement.fault(FakeSettlement.Fault.GARBAGE);
            assertThat(failure(c.forward(List.of(line(2, "t2", "1"))))).hasMessageContaining("does not parse")
                    .hasMessageContaining("<html>oops</html>");

            h.settlement.fault(FakeSettlement.Fault.RESET);
            assertThat(failure(c.forward(List.of(line(2, "t2", "1"), line(3, "t3", "1")))))
                    .isInstanceOf(SettlementClient.SettlementException.class).hasMessageContaining("POST /v1/forward");

            h.settlement.fault(FakeSettlement.Fault.COMMIT_THEN_DROP);
            assertThat(failure(c.forward(List.of(line(4, "t4", "1")))))
                    .isInstanceOf(SettlementClient.SettlementException.class);
            assertThat(get(c.mark())).isEqualTo(4);

            h.settlement.delayMillis(5_000);
            h.settlement.fault(FakeSettlement.Fault.DELAY);
            final long started = System.nanoTime();
            assertThat(failure(c.forward(List.of(line(5, "t5", "1"))))).hasMessageContaining("no answer within 300 ms");
            assertThat(System.nanoTime() - started).isLessThan(TimeUnit.MILLISECONDS.toNanos(3_000));
        }
        final int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (ForwardHarness h = new ForwardHarness(dir.resolve("2"));
             SettlementClient c = new SettlementClient(h.vertx, URI.create("http://127.0.0.1:" + closedPort),
                     ForwardHarness.NODE, h.nodeKey, SettlementClient.Options.defaults().withTimeout(5_000))) {
            final long started = System.nanoTime();
            assertThat(failure(c.mark())).hasMessageContaining("GET /v1/sources/node:fra-1");
            assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(3));
        }
    }

    @Test
    void speaksHttpsTrustingTheGivenCertificate() throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir)) {
            final SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
            try (FakeSettlement tls = new FakeSettlement(h.vertx, ForwardHarness.NODE,
                    Ed25519Key.Public.of(h.nodeKey.publicRaw()), cert.keyCertOptions());
                 SettlementClient trusting = new SettlementClient(h.vertx,
                         URI.create("https://localhost:" + tls.port()), ForwardHarness.NODE, h.nodeKey,
                         SettlementClient.Options.defaults().withTimeout(5_000).withTrust(cert.trustOptions()));
                 SettlementClient untrusting = new SettlementClient(h.vertx,
                         URI.create("https://localhost:" + tls.port()), ForwardHarness.NODE, h.nodeKey,
                         SettlementClient.Options.defaults().withTimeout(5_000))) {
                assertThat(get(trusting.forward(List.of(line(1, "t1", "1"))))).hasSize(1);
                assertThat(get(trusting.mark())).isEqualTo(1);
                assertThat(failure(untrusting.mark())).isInstanceOf(SettlementClient.SettlementException.class);
                assertThat(tls.unauthorized()).isEmpty();
            }
        }
    }

    @Test
    void refusesAnUrlOrNodeItCannotUse() throws Exception {
        try (ForwardHarness h = new ForwardHarness(dir)) {
            assertThatThrownBy(() -> new SettlementClient(h.vertx, URI.create("ftp://x"), "n", h.nodeKey,
                    SettlementClient.Options.defaults())).hasMessageContaining("http");
            assertThatThrownBy(() -> new SettlementClient(h.vertx, URI.create("http://x"), "node:a", h.nodeKey,
                    SettlementClient.Options.defaults())).hasMessageContaining("node id");
        }
    }
}
