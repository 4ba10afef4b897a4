package org.edgebook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.edgebook.server.SettlementServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code edgebook load --target both} against a real settlement service on loopback (the demo market, its alice and
 * bob keys): both targets must have been answered, every request sent, no errors. Counts only, never timing.
 */
class LoadCommandTest {

    @Test
    void bothInAClosedLoopMeasuresHealthThenSignedOrders(@TempDir final Path dir) throws IOException {
        try (Service service = Service.start(dir)) {
            final LoadCommand load = new LoadCommand();
            final int exit = new CommandLine(load).execute("--url", service.url(), "--key", service.keys(),
                    "--target", "both", "--rate", "max", "--duration", "1", "--warmup", "1", "--connections", "4");
            assertThat(exit).isZero();
            final List<LoadCommand.Result> results = load.results();
            assertThat(results).extracting(LoadCommand.Result::target).containsExactly("health", "orders");
            for (final LoadCommand.Result r : results) {
                assertAllAnswered(r);
                assertThat(r.measured().answered()).as(r.target()).isPositive();
                assertThat(r.throughput()).as(r.target()).isPositive();
            }
            final LoadCommand.Result health = results.get(0);
            assertThat(health.all().ok()).isEqualTo(health.sent());
            // signed ahead, none refused as stale or used before (401 would be an error)
            assertThat(results.get(1).signing()).contains("signed before the measured phase");
        }
    }

    @Test
    void bothAtAFixedRateSendsEveryRequestOfTheSchedule(@TempDir final Path dir) throws IOException {
        try (Service service = Service.start(dir)) {
            final LoadCommand load = new LoadCommand();
            final int exit = new CommandLine(load).execute("--url", service.url(), "--key", service.keys(),
                    "--target", "both", "--rate", "200", "--duration", "1", "--warmup", "1", "--connections", "4");
            assertThat(exit).isZero();
            for (final LoadCommand.Result r : load.results()) {
                assertThat(r.sent()).as(r.target()).isEqualTo(400); // 200/s for 1 s of warm-up and 1 s measured
                assertAllAnswered(r);
                assertThat(r.measured().answered()).as(r.target()).isEqualTo(200);
            }
            assertThat(load.results().get(0).all().ok()).isEqualTo(400);
        }
    }

    @Test
    void healthAloneNeedsNoKey(@TempDir final Path dir) throws IOException {
        try (Service service = Service.start(dir)) {
            final LoadCommand load = new LoadCommand();
            final int exit = new CommandLine(load).execute("--url", service.url(), "--target", "health", "--rate",
                    "100", "--duration", "1", "--warmup", "0", "--connections", "2");
            assertThat(exit).isZero();
            assertThat(load.results()).singleElement().satisfies(r -> {
                assertThat(r.sent()).isEqualTo(100);
                assertThat(r.all().ok()).isEqualTo(100);
            });
        }
    }

    @Test
    void ordersWithoutAKeyAreRefusedBeforeAnythingIsSent() {
        final LoadCommand load = new LoadCommand();
        final int exit = new CommandLine(load).setErr(new java.io.PrintWriter(java.io.Writer.nullWriter()))
                .execute("--url", "http://127.0.0.1:1", "--target", "orders");
        assertThat(exit).isEqualTo(2);
        assertThat(load.results()).isEmpty();
    }

    /** Every request answered, by the service (200, or an engine rejection such as a cancel of a filled order). */
    private static void assertAllAnswered(final LoadCommand.Result r) {
        assertThat(r.unanswered()).as(r.target() + " unanswered").isZero();
        assertThat(r.all().answered()).as(r.target()).isEqualTo(r.sent());
        assertThat(r.all().errors()).as(r.target() + " errors").isZero();
        assertThat(r.all().ok()).as(r.target() + " 200s").isPositive();
        assertThat(r.all().ok() + r.all().rejected()).as(r.target()).isEqualTo(r.all().answered());
        assertThat(r.latency().getTotalCount()).as(r.target()).isEqualTo(r.measured().answered());
    }

    /** The settlement service with its demo market, on a free loopback port. */
    record Service(SettlementServer server) implements AutoCloseable {
        static Service start(final Path dir) throws IOException {
            return new Service(SettlementServer.start(new SettlementServer.Config("127.0.0.1", 0, dir.resolve("data"),
                    dir.resolve("secret/master.key"), 100_000), true, w -> {}));
        }

        String url() {
            return "http://127.0.0.1:" + server.port();
        }

        /** alice's and bob's keys as ID:SECRET, from the lines the service prints once. */
        String keys() {
            return server.describeKeys().stream().filter(l -> l.startsWith("alice") || l.startsWith("bob"))
                    .map(l -> l.trim().split("\\s+")).map(f -> f[2] + ":" + f[4]).reduce((a, b) -> a + "," + b)
                    .orElseThrow();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
