package org.edgebook.cli.edgebench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.edgebook.edge.EdgeRequest;
import org.edgebook.edge.functions.TelemetryFunction;
import org.edgebook.edge.functions.TransformFunction;
import org.edgebook.guests.Guests;
import org.edgebook.sandbox.ExecutionMode;
import org.edgebook.sandbox.ModuleCache;

/**
 * The edge benchmark: the same JSON-transform request (100 events) against each implementation, each in its own
 * server process, loaded over real HTTP from this process; then the in-process measures (cold start, instantiation,
 * telemetry batch scoring). Writes results.md, results.json and latency.png.
 */
public final class EdgeBench {
    /** Options, as {@code edgebook bench edge} takes them. */
    public record Options(List<String> targets, double warmupSeconds, double seconds, int connections, Double rate,
                          int events, Path out, String edgeJvmOptions, String node, boolean inProcess) {
    }

    /** One implementation under test: how to start its server and which path serves the transform. */
    private record Target(String name, String description, String path, long moduleBytes) {
    }

    /** A server's command line and the port it will listen on. */
    private record Launch(List<String> command, int port) {
    }

    /** What one target measured. */
    record Outcome(String name, String description, boolean agrees, LoadRun.Result closed, LoadRun.Result rated,
                   long startupMicros, long peakRssBytes, long moduleBytes, String note) {
    }

    public static final List<String> ALL_TARGETS = List.of("native", "wasm-chicory", "wasm-chicory-wagi",
            "wasm-chicory-interpreter", "node", "node-wasm");

    private final Options options;
    private final PrintStream progress;
    private final Path work;

    public EdgeBench(final Options options, final PrintStream progress) throws IOException {
        this.options = options;
        this.progress = progress;
        this.work = Files.createTempDirectory("edgebook-bench-edge");
    }

    public void run() throws Exception {
        Files.createDirectories(options.out());
        final byte[] request = TransformWorkload.request(options.events(), 1);
        final String expected = "200 " + new String(new TransformFunction().handle(new EdgeRequest("POST", "/", null,
                Map.of(), request, request.length, "x", 0)).body(), StandardCharsets.UTF_8);
        final byte[] memoryModule = Guests.read(Guests.TRANSFORM_MEMORY);
        final Path memoryFile = work.resolve(Guests.TRANSFORM_MEMORY);
        Files.write(memoryFile, memoryModule);
        Files.write(work.resolve(Guests.TRANSFORM_WAGI), Guests.read(Guests.TRANSFORM_WAGI));
        final Path nodeServer = extract("transform-server.js");
        final Path nodeWasmServer = extract("wasm-server.js");

        final List<Outcome> outcomes = new ArrayList<>();
        for (final String name : options.targets()) {
            final Target target = switch (name) {
                case "native" -> new Target(name, "Java, in the edge node (trusted)", "/t", 0);
                case "wasm-chicory" -> new Target(name, "C → wasm32, Chicory compiled, fresh instance per request",
                        "/t", memoryModule.length);
                case "wasm-chicory-wagi" -> new Target(name, "C → wasm32-wasi command, WAGI, Chicory compiled",
                        "/t", Guests.read(Guests.TRANSFORM_WAGI).length);
                case "wasm-chicory-interpreter" -> new Target(name, "C → wasm32, Chicory interpreter", "/t",
                        memoryModule.length);
                case "node" -> new Target(name, "JavaScript on Node.js " + nodeVersion(), "/t",
                        Files.size(nodeServer));
                case "node-wasm" -> new Target(name, "C → wasm32 on Node.js (V8), fresh instance per request", "/t",
                        memoryModule.length);
                default -> throw new IllegalArgumentException("unknown target " + name + "; targets: " + ALL_TARGETS);
            };
            progress.printf("edge bench: %s (%s)%n", name, target.description());
            outcomes.add(measure(target, command(name, nodeServer, nodeWasmServer, memoryFile), request, expected));
        }

        final Map<String, Object> inProcess = new LinkedHashMap<>();
        if (options.inProcess()) {
            progress.println("edge bench: in-process measures (cold start, instantiation, telemetry batches)");
            inProcess.putAll(inProcess(memoryModule, request));
        }
        Report.write(options, outcomes, inProcess, options.out());
        LatencyPlot.write("JSON transform, 100 events/request, " + options.connections() + " connections",
                outcomes.stream().filter(o -> o.closed() != null)
                        .map(o -> new LatencyPlot.Series(o.name(), o.closed().latencyMicros())).toList(),
                options.out().resolve("latency.png"));
        progress.println("edge bench: results in " + options.out().toAbsolutePath());
        progress.println();
        progress.print(Files.readString(options.out().resolve("results.md")));
    }

    private Map<String, Object> inProcess(final byte[] memoryModule, final byte[] request) throws Exception {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("cold_start_first_in_jvm_us", InProcessMeasures.moduleToFirstAnswerMicros(memoryModule,
                ExecutionMode.COMPILED, request));
        m.put("cold_start_warm_jvm_us", InProcessMeasures.warmModuleToFirstAnswerMicros(memoryModule,
                ExecutionMode.COMPILED, request, 21));
        m.put("cold_start_interpreter_warm_jvm_us", InProcessMeasures.warmModuleToFirstAnswerMicros(memoryModule,
                ExecutionMode.INTERPRETED, request, 21));
        // Instantiation is timed apart from the call, so a small request keeps these runs short.
        final byte[] small = TransformWorkload.request(0, 1);
        m.put("instantiation_compiled_us", InProcessMeasures.instantiationNanos(memoryModule, ExecutionMode.COMPILED,
                small, 20_000, 20_000) / 1000);
        m.put("instantiation_interpreted_us", InProcessMeasures.instantiationNanos(memoryModule,
                ExecutionMode.INTERPRETED, small, 5_000, 20_000) / 1000);
        m.put("instance_linear_memory_bytes", new ModuleCache().load(memoryModule,
                ExecutionMode.COMPILED).initialMemoryBytes());
        final int batchEvents = 1000;
        final byte[] batch = TransformWorkload.telemetryBatch(batchEvents, 16, 7);
        final byte[] scorer = Guests.read(Guests.TELEMETRY_MEMORY);
        final double warm = Math.min(10, options.warmupSeconds());
        final double seconds = Math.min(15, options.seconds());
        m.put("telemetry_batch_events", batchEvents);
        m.put("telemetry_wasm_fresh_events_per_s", InProcessMeasures.wasmEventsPerSecond(scorer, batch, batchEvents,
                0, warm, seconds));
        m.put("telemetry_wasm_warm_events_per_s", InProcessMeasures.wasmEventsPerSecond(scorer, batch, batchEvents,
                1000, warm, seconds));
        m.put("telemetry_native_events_per_s", InProcessMeasures.nativeEventsPerSecond(new TelemetryFunction(), batch,
                batchEvents, warm, seconds));
        return m;
    }

    private Launch command(final String name, final Path nodeServer, final Path nodeWasmServer,
                           final Path memoryFile) throws IOException {
        final int port = freePort();
        return switch (name) {
            case "node" -> new Launch(List.of(options.node(), nodeServer.toString(), Integer.toString(port)), port);
            case "node-wasm" -> new Launch(List.of(options.node(), nodeWasmServer.toString(), Integer.toString(port),
                    memoryFile.toString()), port);
            default -> {
                final String route = switch (name) {
                    case "native" -> "{\"path\":\"/t\",\"native\":\"transform\"}";
                    case "wasm-chicory" -> "{\"path\":\"/t\",\"module\":\"" + Guests.TRANSFORM_MEMORY
                            + "\",\"convention\":\"memory\"}";
                    case "wasm-chicory-wagi" -> "{\"path\":\"/t\",\"module\":\"" + Guests.TRANSFORM_WAGI
                            + "\",\"convention\":\"wagi\"}";
                    // The interpreter takes ~40 ms a request: give it room, or 100 connections only measure 504s.
                    default -> "{\"path\":\"/t\",\"module\":\"" + Guests.TRANSFORM_MEMORY
                            + "\",\"convention\":\"memory\",\"mode\":\"interpreted\","
                            + "\"limits\":{\"deadlineMs\":60000,\"cpuMs\":60000}}";
                };
                final Path config = work.resolve(name + ".json");
                Files.writeString(config, "{\"port\":" + port + ",\"routes\":[" + route + "]}");
                final List<String> cmd = new ArrayList<>();
                cmd.add(ProcessHandle.current().info().command().orElse("java"));
                for (final String opt : options.edgeJvmOptions().trim().split("\\s+")) {
                    if (!opt.isEmpty()) {
                        cmd.add(opt);
                    }
                }
                cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.edgebook.cli.Main", "edge",
                        "--config", config.toString()));
                yield new Launch(cmd, port);
            }
        };
    }

    private Outcome measure(final Target target, final Launch launch, final byte[] request,
                            final String expected) throws Exception {
        final String marker = target.name().startsWith("node") ? "listening" : "edge node on";
        try (ServerProcess server = ServerProcess.start(launch.command(), marker)) {
            final LoadRun load = new LoadRun(launch.port(), target.path(), request, options.connections());
            try {
                final String answer = load.once();
                final boolean agrees = answer.equals(expected);
                if (!agrees) {
                    progress.printf("  WARNING: %s answered differently from the native function: %s%n",
                            target.name(), abbreviate(answer));
                }
                final AtomicLong peakRss = new AtomicLong();
                final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
                sampler.scheduleAtFixedRate(() -> peakRss.accumulateAndGet(server.rssBytes(), Math::max),
                        0, 200, TimeUnit.MILLISECONDS);
                progress.printf("  warm-up %.0f s%n", options.warmupSeconds());
                load.closedLoop(options.warmupSeconds(), n -> {});
                peakRss.set(server.rssBytes());
                final long[] last = {0};
                final LoadRun.Result closed = load.closedLoop(options.seconds(), n -> {
                    progress.printf("  %s: %,d answers, %,d/s, RSS %d MB%n", target.name(), n, n - last[0],
                            server.rssBytes() >> 20);
                    last[0] = n;
                });
                LoadRun.Result rated = null;
                if (options.rate() != null) {
                    progress.printf("  fixed rate %,.0f/s for %.0f s%n", options.rate(), options.seconds());
                    rated = load.fixedRate(options.rate(), options.seconds(), n -> {});
                }
                sampler.shutdownNow();
                // wasm-server.js reports its own cold start and instantiation time on its ready line.
                final String ready = server.readyLine();
                final String note = ready.contains("cold_start_us") ? ready.substring(ready.indexOf("cold_start_us"))
                        : "";
                return new Outcome(target.name(), target.description(), agrees, closed, rated,
                        server.startupNanos() / 1000, peakRss.get(), target.moduleBytes(), note);
            } finally {
                load.close();
            }
        }
    }

    private Path extract(final String script) throws IOException {
        final Path file = work.resolve(script);
        try (InputStream in = EdgeBench.class.getResourceAsStream("node/" + script)) {
            if (in == null) {
                throw new IOException("the bundled Node.js script " + script + " is missing from the build");
            }
            Files.copy(in, file);
        }
        return file;
    }

    private String nodeVersion() {
        try {
            final Process p = new ProcessBuilder(options.node(), "--version").redirectErrorStream(true).start();
            final String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor();
            return v;
        } catch (IOException | InterruptedException e) {
            return "(not found)";
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String abbreviate(final String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
