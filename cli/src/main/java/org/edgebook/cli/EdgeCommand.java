package org.edgebook.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.edgebook.edge.EdgeConfig;
import org.edgebook.edge.EdgeNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code edgebook edge}: an edge node serving native and WebAssembly functions over HTTP. */
@Command(name = "edge", mixinStandardHelpOptions = true,
        description = {"Starts an edge node: HTTP functions, native (Java) or sandboxed WebAssembly.",
                "Without --config it serves the bundled functions at /native/transform, /wasm/transform,",
                "/native/telemetry and /wasm/telemetry. /health and /metrics (Prometheus) are always there."})
final class EdgeCommand implements Callable<Integer> {
    @Option(names = "--port", description = "Port to listen on (default: the config's, else 8090).")
    private Integer port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on when there is no "
            + "config file (default ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--config", paramLabel = "FILE", description = "Routes, modules and limits (JSON; see README).")
    private Path config;

    @Override
    public Integer call() throws Exception {
        EdgeConfig edge = config != null ? EdgeConfig.read(config) : EdgeConfig.defaults(host, EdgeConfig.DEFAULT_PORT);
        if (port != null) {
            edge = edge.withPort(port);
        }
        final EdgeNode node = EdgeNode.start(edge);
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }));
        System.out.println("edge node on http://" + edge.host() + ":" + node.port());
        for (final EdgeConfig.Route r : edge.routes()) {
            System.out.println("  POST " + r.path() + "  " + (r.isNative() ? "native " + r.nativeFunction()
                    : "wasm " + r.module() + " (" + r.convention().name().toLowerCase() + ")"));
        }
        System.out.flush();
        stopped.await();
        return 0;
    }
}
