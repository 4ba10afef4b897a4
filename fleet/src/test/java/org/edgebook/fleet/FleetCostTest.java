package org.edgebook.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The simulator's own cost: its process's CPU time per heartbeat against {@link TrivialControl} in another JVM, at
 * {@code -Dfleet.nodes} nodes (default 100,000) heartbeating every {@code -Dfleet.intervalMs} (default 10,000), for
 * {@code -Dfleet.seconds} (default 20) after every node's first heartbeat. Prints the figures; slow, run by hand:
 * {@code ./mvnw -pl fleet verify -Dtest=FleetCostTest -Dtest.excludedGroups=}.
 */
final class FleetCostTest {
    @Test
    @Tag("slow")
    void cpuPerHeartbeat() throws Exception {
        final int nodes = Integer.getInteger("fleet.nodes", 100_000);
        final long interval = Long.getLong("fleet.intervalMs", 10_000);
        final long seconds = Long.getLong("fleet.seconds", 20);
        final int pipelining = Integer.getInteger("fleet.pipelining", 1);
        final int connections = Integer.getInteger("fleet.connections", 64);
        final int schedulers = Integer.getInteger("fleet.schedulers", 1);
        final Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseParallelGC", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                TrivialControl.class.getName(), "0", Long.toString(interval)).redirectErrorStream(true).start();
        try {
            final int port = Integer.parseInt(new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8)).readLine().strip());
            final long seed = System.nanoTime();
            final FleetOptions options = FleetOptions.of(URI.create("http://127.0.0.1:" + port), new OperatorKey("op",
                    "secret"), nodes).withSeed(seed).withConcurrency(connections, pipelining, 64, 32, schedulers)
                    .withOut(System.out);
            final var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            try (Fleet fleet = new Fleet(options)) {
                final long k0 = os.getProcessCpuTime();
                final long t0 = System.nanoTime();
                fleet.start(5_000);
                System.out.printf("fleet cost: %d keys and enrollment: %.1f s wall, %.1f s CPU%n", nodes,
                        (System.nanoTime() - t0) / 1e9, (os.getProcessCpuTime() - k0) / 1e9);
                // every node has its first heartbeat within one interval; then measure
                final long warm = System.nanoTime() + interval * 1_000_000;
                while (System.nanoTime() < warm) {
                    Thread.sleep(100);
                }
                final long sent0 = fleet.stats().sent();
                final long ok0 = fleet.stats().ok();
                final long cpu0 = os.getProcessCpuTime();
                final long wall0 = System.nanoTime();
                final long end = wall0 + seconds * 1_000_000_000L;
                while (System.nanoTime() < end) {
                    Thread.sleep(100);
                }
                final double wall = (System.nanoTime() - wall0) / 1e9;
                final double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
                final long sent = fleet.stats().sent() - sent0;
                final long ok = fleet.stats().ok() - ok0;
                fleet.report();
                final Path report = Files.createTempFile("fleet-report", ".json");
                fleet.writeReport(report);
                System.out.printf(
                        "fleet cost: %d nodes every %d ms, connections %d, pipelining %d, schedulers %d: %.0f "
                                + "heartbeats/s sent, %.0f ok/s; simulator CPU %.2f cores, %.1f µs a heartbeat (%.0f "
                                + "heartbeats/s per core); report %s%n", nodes, interval, connections, pipelining,
                        schedulers, sent / wall,
                        ok / wall, cpu / wall, cpu / sent * 1e6, sent / cpu, report);
                assertThat(ok).isPositive();
            }
        } finally {
            server.destroy();
        }
    }

    /** One thread writing and signing heartbeats, no network: the scheduler thread's ceiling. */
    @Test
    @Tag("slow")
    void writeAndSign() {
        final long seed = System.nanoTime();
        final SimNode node = new SimNode(1, NodeKey.generate(1)[0], "eu-west", seed);
        node.intervalMillis = 10_000;
        node.routes = new Route[] {new Route("/wasm/transform", "transform", "1.2.0", "ab".repeat(32), null)};
        final HeartbeatWriter writer = new HeartbeatWriter(seed, java.util.Set.of(), 0, FleetOptions.PPM);
        final ByteSink sink = new ByteSink();
        long bytes = 0;
        for (int round = 0; round < 3; round++) {
            final int n = 20_000;
            final long t0 = System.nanoTime();
            long writeNanos = 0;
            for (int i = 0; i < n; i++) {
                final long w0 = System.nanoTime();
                sink.reset();
                sink.writeAscii(org.edgebook.codec.SignedRequest.PREFIX + System.currentTimeMillis()
                        + "\nPOST\n/v1/node/heartbeat\n");
                writer.write(node, i, java.util.List.of(), sink);
                writeNanos += System.nanoTime() - w0;
                bytes += node.key.sign(sink.array(), 0, sink.size())[0];
            }
            final double micros = (System.nanoTime() - t0) / 1e3 / n;
            System.out.printf("fleet cost: write and sign a heartbeat (%d bytes): %.1f µs (write %.1f µs), %.0f a "
                    + "second on one core%n", sink.size(), micros, writeNanos / 1e3 / n, 1e6 / micros);
        }
        assertThat(bytes).isNotNull();
    }
}
