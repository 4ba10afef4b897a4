package org.edgebook.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.TransactionSignature;
import org.edgebook.edge.EdgeConfig;
import org.edgebook.edge.EdgeNode;
import org.edgebook.edge.agent.ControlAgent;
import org.edgebook.edge.agent.ControlClient;
import org.edgebook.edge.agent.NodeKeyFile;
import org.edgebook.edge.agent.TrustedPublishers;
import org.edgebook.edge.outbox.Outbox;
import org.edgebook.edge.tx.OperatorKey;
import org.edgebook.edge.tx.TransactionPath;
import org.edgebook.sandbox.GuestLog;
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

    @Option(names = "--settlement", paramLabel = "URL", description = "Joins the node to this settlement service: "
            + "the transaction path (POST /v1/tx, the outbox, the forwarder) runs. Needs --node-id and --node-key.")
    private java.net.URI settlement;

    @Option(names = "--node-id", paramLabel = "ID", description = "The node's id, as registered at settlement "
            + "(POST /v1/admin/nodes). Not needed with --control: the id is the one the control plane gave.")
    private String nodeId;

    @Option(names = "--node-key", paramLabel = "FILE", description = "The node's Ed25519 private key (PKCS#8 PEM; "
            + "edgebook sign --new-key FILE makes one); its public key is registered at settlement. With --control "
            + "and no --node-key, the node makes one in its data directory (node-key.pem) on its first start.")
    private Path nodeKey;

    @Option(names = "--control", paramLabel = "URL", description = "Joins the node to this control plane "
            + "(docs/control-plane.md): it enrolls once (--enroll-token), heartbeats, and applies the desired state's "
            + "signed modules. Needs --trust.")
    private java.net.URI control;

    @Option(names = "--enroll-token", paramLabel = "TOKEN", description = "The control plane's enrollment token "
            + "(et_…); needed on the first start only (the node id is kept in the data directory).")
    private String enrollToken;

    @Option(names = "--trust", paramLabel = "FILE", description = "The publisher keys whose modules the node loads: "
            + "lines 'publisher base64-key', # comments (keys the control plane lists are trusted when one of these "
            + "endorsed them).")
    private Path trust;

    @Option(names = "--region", paramLabel = "REGION", description = "The region the node asks for at enrollment "
            + "(the token's region wins).")
    private String region;

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label the node asks for at enrollment; "
            + "may repeat (the token's labels win).")
    private java.util.Map<String, String> labels;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "edge-data", description = "The node's data "
            + "directory: its outbox and operator key (default ${DEFAULT-VALUE}).")
    private Path data;

    @Option(names = "--signed-max-age", paramLabel = "SECONDS", defaultValue = "82800", description = "How old a "
            + "signed transaction may be when the node takes it (default ${DEFAULT-VALUE}: 23 hours). Keep it below "
            + "settlement's up --signed-max-age (24 h) by the longest backlog the node may have to forward: what "
            + "reaches settlement older than that is rejected there as too old.")
    private long signedMaxAgeSeconds;

    /** The outbox's quota and how long ended transactions stay queryable, from the config's {@code transactions}. */
    private static Outbox.Options outboxOptions(final EdgeConfig.Transactions tx) {
        Outbox.Options options = Outbox.Options.defaults();
        if (tx.outboxQuotaBytes() != null) {
            options = options.withQuota(tx.outboxQuotaBytes(), options.headroomBytes());
        }
        if (tx.keepEndedHours() != null) {
            options = options.withRetention(tx.keepEndedHours() * 3_600_000_000L, options.clock());
        }
        return options;
    }

    @Override
    public Integer call() throws Exception {
        EdgeConfig edge = config != null ? EdgeConfig.read(config) : EdgeConfig.defaults(host, EdgeConfig.DEFAULT_PORT);
        if (port != null) {
            edge = edge.withPort(port);
        }
        ControlAgent agent = null;
        Ed25519Key.Private controlKey = null;
        String enrolled = null;
        if (control != null) {
            if (trust == null) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--control needs "
                        + "--trust FILE (the publisher keys whose modules the node loads)");
            }
            final TrustedPublishers publishers = TrustedPublishers.read(trust);
            controlKey = nodeKey != null ? NodeKeyFile.read(nodeKey) : NodeKeyFile.readOrCreate(data.resolve(
                    NodeKeyFile.DEFAULT_NAME));
            agent = ControlAgent.create(new ControlAgent.Options(control, data, enrollToken, null, region, labels,
                    ControlClient.Options.defaults()), controlKey, publishers);
            try {
                enrolled = agent.enroll();
            } catch (final java.io.IOException | RuntimeException e) {
                agent.close();
                throw e;
            }
            if (nodeId != null && !nodeId.equals(enrolled)) {
                agent.close();
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--node-id " + nodeId
                        + " is not the id the control plane gave this node (" + enrolled + "); leave --node-id out "
                        + "with --control");
            }
        }
        TransactionPath.Options tx = null;
        if (settlement != null) {
            final String id = nodeId != null ? nodeId : enrolled;
            if (id == null || nodeKey == null && controlKey == null) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--settlement needs "
                        + "--node-id and --node-key (or --control, which gives both)");
            }
            final Ed25519Key.Private key = controlKey != null ? controlKey : Ed25519Key.Private.of(TransactionSignature
                    .privateKey(Files.readString(nodeKey, StandardCharsets.US_ASCII)));
            tx = new TransactionPath.Options(data, settlement, id, key, signedMaxAgeSeconds * 1000,
                    TransactionPath.Options.CLOCK_WINDOW_MILLIS, outboxOptions(edge.transactions()));
        }
        final EdgeNode node;
        try {
            node = EdgeNode.start(edge, System::currentTimeMillis, GuestLog.SYSTEM, Runtime.getRuntime()
                    .availableProcessors(), tx);
        } catch (final java.io.IOException | RuntimeException e) {
            if (agent != null) {
                agent.close();
            }
            throw e;
        }
        final ControlAgent running = agent == null ? null : agent.start(node);
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (running != null) {
                running.close();
            }
            node.close();
            stopped.countDown();
        }));
        System.out.println("edge node on http://" + edge.host() + ":" + node.port());
        if (running != null) {
            System.out.println("  control plane " + control + ": node " + enrolled + ", trusting " + trust
                    + ", modules kept in " + data.resolve("modules"));
        }
        if (node.transactions() != null) {
            final OperatorKey op = node.transactions().operator();
            System.out.println("  transactions: POST /v1/tx, node " + node.transactions().options().nodeId()
                    + " forwarding to " + settlement
                    + ", outbox in " + data.resolve("outbox"));
            if (op.created()) {
                System.out.println("  operator key (shown once; kept in " + data.resolve(OperatorKey.FILE) + "): "
                        + op.id() + ":" + op.secretText());
            } else {
                System.out.println("  operator key " + op.id() + " (in " + data.resolve(OperatorKey.FILE) + ")");
            }
        }
        for (final EdgeConfig.Route r : edge.routes()) {
            System.out.println("  POST " + r.path() + "  " + (r.isNative() ? "native " + r.nativeFunction()
                    : "wasm " + r.module() + " (" + r.convention().name().toLowerCase() + ")"));
        }
        System.out.flush();
        stopped.await();
        return 0;
    }
}
