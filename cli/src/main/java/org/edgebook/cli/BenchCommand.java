package org.edgebook.cli;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import org.edgebook.cli.edgebench.EdgeBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code edgebook bench edge}: the edge benchmark harness. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmark harnesses.",
        subcommands = {BenchCommand.Edge.class, BatchBench.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "edge", mixinStandardHelpOptions = true,
            description = {
                    "Runs the same JSON-transform workload (100 events per request) against the native function, "
                            + "the WebAssembly function (Chicory compiled, WAGI, interpreter), a Node.js version and the same "
                            + "module on Node.js (V8); each server in its own process, loaded over HTTP from this one.",
                    "Writes results.md, results.json and latency.png. The defaults take about six minutes."})
    static final class Edge implements Callable<Integer> {
        @Option(names = "--targets", split = ",", description = "Which to run (default: all): "
                + "native, wasm-chicory, wasm-chicory-wagi, wasm-chicory-interpreter, node, node-wasm.")
        private List<String> targets = EdgeBench.ALL_TARGETS;

        @Option(names = "--duration", defaultValue = "20", description = "Seconds measured per target "
                + "(default ${DEFAULT-VALUE}).")
        private double seconds;

        @Option(names = "--warmup", defaultValue = "15", description = "Seconds of warm-up per target, not "
                + "recorded (default ${DEFAULT-VALUE}).")
        private double warmup;

        @Option(names = "--connections", defaultValue = "100", description = "Concurrent connections "
                + "(default ${DEFAULT-VALUE}).")
        private int connections;

        @Option(names = "--rate", description = "Also run each target at this fixed rate (req/s), latency "
                + "corrected for coordinated omission.")
        private Double rate;

        @Option(names = "--events", defaultValue = "100", description = "Events per request "
                + "(default ${DEFAULT-VALUE}).")
        private int events;

        @Option(names = "--out", paramLabel = "DIR", description = "Where results go (default "
                + "bench-results/edge-DATE-TIME).")
        private Path out;

        @Option(names = "--edge-jvm-options", defaultValue = EDGE_JVM_DEFAULT, description = "JVM options of the "
                + "edge node processes (default: ${DEFAULT-VALUE}).")
        private String edgeJvmOptions;

        @Option(names = "--node", defaultValue = "node", description = "The Node.js binary (default "
                + "${DEFAULT-VALUE}).")
        private String node;

        @Option(names = "--no-in-process", negatable = true, defaultValue = "true", description = "Skip the in-process "
                + "measures (cold start, instantiation, telemetry batches).")
        private boolean inProcess;

        @Override
        public Integer call() throws Exception {
            final Path dir = out != null ? out : Path.of("bench-results", "edge-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            new EdgeBench(new EdgeBench.Options(targets, warmup, seconds, connections, rate, events, dir,
                    edgeJvmOptions, node, inProcess), System.out).run();
            return 0;
        }
    }

    /** The edge node's JVM options in the benchmark; see BENCHMARKS.md for how they were chosen. */
    static final String EDGE_JVM_DEFAULT = "-XX:+UseSerialGC -Xms16m -Xmx96m -XX:-DontCompileHugeMethods";
}
