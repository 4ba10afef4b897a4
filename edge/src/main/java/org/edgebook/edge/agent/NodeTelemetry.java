package org.edgebook.edge.agent;

import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.edgebook.edge.EdgeMetrics;
import org.edgebook.edge.EdgeNode;
import org.edgebook.edge.Shadow;
import org.edgebook.edge.outbox.Outbox;
import org.edgebook.edge.tx.TransactionPath;

/**
 * Gathers a heartbeat from an edge node and its {@link DesiredStateApplier}: each route's interval (and its shadow's),
 * what it runs, the modules refused, the transactions taken since the previous heartbeat (the transaction path's
 * {@code edge_tx_taken} counters), the outbox's depth (held, queued and forwarded), the forward lag, the heap used and
 * the resident set (VmRSS of /proc/self/status; 0 where there is none), and the health:
 * <ul>
 * <li>{@code failing}: no WebAssembly route can serve (every one's module was rejected), or at least half the
 * interval's requests failed (5xx);</li>
 * <li>{@code degraded}: a route cannot serve, a module was refused in the interval, at least 1% of the requests failed,
 * or the forward lag is over a minute;</li>
 * <li>{@code ok} otherwise.</li>
 * </ul>
 * Reading a heartbeat starts the next interval. Threading: one caller at a time (the control agent's tick).
 */
public final class NodeTelemetry {
    private static final Path PROC_STATUS = Path.of("/proc/self/status");
    private static final long LAG_DEGRADED_MILLIS = 60_000;

    private final EdgeNode node;
    private final DesiredStateApplier applier;
    private final String agent;
    private final Map<String, String> versions;
    private long transactionsBefore = -1;

    public NodeTelemetry(final EdgeNode node, final DesiredStateApplier applier, final String agent,
                         final Map<String, String> versions) {
        this.node = node;
        this.applier = applier;
        this.agent = agent;
        this.versions = Map.copyOf(versions);
    }

    /** The heartbeat numbered {@code seq}; starts the next interval. */
    public Heartbeat collect(final long seq) {
        final Map<String, DesiredStateApplier.Running> running = applier.running();
        final Map<String, DesiredStateApplier.Running> shadows = applier.shadows();
        final List<Heartbeat.RouteReport> routes = new ArrayList<>();
        long requests = 0;
        long errors = 0;
        int wasm = 0;
        int unavailable = 0;
        for (final EdgeNode.RouteView view : node.routeViews()) {
            final EdgeMetrics.Interval interval = view.metrics().takeInterval();
            requests += interval.requests();
            errors += interval.errors();
            if (!view.kind().equals("native")) {
                wasm++;
            }
            if (view.kind().equals("unavailable")) {
                unavailable++;
            }
            final DesiredStateApplier.Running r = running.get(view.path());
            final String module;
            final String version;
            if (r != null && r.sha256().equals(view.sha256())) {
                module = r.module();
                version = r.version();
            } else {
                module = view.kind().equals("native") ? "native:" + view.source() : view.source();
                version = "";
            }
            routes.add(new Heartbeat.RouteReport(view.path(), module, version, view.sha256(), interval.requests(),
                    interval.errors(), interval.p50Micros(), interval.p99Micros(), shadow(view.path(), shadows)));
        }
        final List<DesiredStateApplier.LoadFailure> failures = applier.takeLoadFailures();
        final Heartbeat.Telemetry telemetry = telemetry();
        final String health;
        if (wasm > 0 && unavailable == wasm || requests > 0 && errors * 2 >= requests) {
            health = Heartbeat.FAILING;
        } else if (unavailable > 0 || !failures.isEmpty() || requests > 0 && errors * 100 >= requests
                || telemetry.forwardLagMillis() > LAG_DEGRADED_MILLIS) {
            health = Heartbeat.DEGRADED;
        } else {
            health = Heartbeat.OK;
        }
        return new Heartbeat(seq, agent, versions, health, applier.applied(), routes, failures, telemetry);
    }

    private Heartbeat.ShadowReport shadow(final String path, final Map<String, DesiredStateApplier.Running> shadows) {
        final DesiredStateApplier.Running s = shadows.get(path);
        final Shadow shadow = node.shadow(path);
        if (s == null || shadow == null) {
            return null;
        }
        final Shadow.Interval interval = shadow.takeInterval();
        return new Heartbeat.ShadowReport(s.module(), s.version(), s.sha256(), interval.compared(), interval
                .mismatches(), interval.samples());
    }

    private Heartbeat.Telemetry telemetry() {
        final TransactionPath tx = node.transactions();
        long transactions = 0;
        long depth = 0;
        long lag = 0;
        if (tx != null) {
            long taken = 0;
            for (final Counter c : node.metrics().registry().find("edge_tx_taken").counters()) {
                taken += (long) c.count();
            }
            transactions = transactionsBefore < 0 ? taken : Math.max(0, taken - transactionsBefore);
            transactionsBefore = taken;
            final Outbox.Depth d = tx.outbox().depth();
            depth = (long) d.held() + d.queued() + d.forwarded();
            lag = tx.outbox().oldestUnsettledAgeMicros() / 1000;
        }
        final Runtime runtime = Runtime.getRuntime();
        return new Heartbeat.Telemetry(transactions, depth, lag, runtime.totalMemory() - runtime.freeMemory(), rss());
    }

    /** The resident set in bytes from /proc/self/status's VmRSS (in kB), or 0 where it cannot be read. */
    static long rss() {
        try {
            for (final String line : Files.readAllLines(PROC_STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    final String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (final IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
