package org.edgebook.edge.agent;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.edge.EdgeNode;

/**
 * The control-plane agent inside an edge node (docs/control-plane.md, issue 12): it enrolls once with its enrollment
 * token and keeps the node id in the data directory ({@value #NODE_ID_FILE}), so a restarted node skips enrollment;
 * then it heartbeats on the interval the control plane answers ({@link NodeTelemetry}, {@link HeartbeatJson}), and
 * when the answer's {@code desired} differs from the hash it applied, it fetches {@code GET /v1/node/desired} and
 * applies it ({@link DesiredStateApplier}, modules downloaded by hash through the {@link ControlClient}).
 * <p>
 * A heartbeat that fails is retried at the next tick (the interval stays the last one told). A desired state that
 * was refused is fetched again only when its hash changes, or when a module of it could not be downloaded. A 403
 * {@code revoked} answer to any request stops the agent, logged as an error; the node keeps serving what it runs.
 * <p>
 * Threading: the agent owns a Vert.x instance of one event loop. Each tick runs whole in one ordered
 * {@code executeBlocking} on the agent's context, waiting for each HTTP answer (each with its deadline); the next tick
 * is set by a timer when the previous one has ended. So no two ticks overlap, and the agent's state (sequence, applied
 * hash, telemetry intervals) is only touched by the tick in progress. {@link #enroll} is called once, before
 * {@link #start}, from the starting thread.
 */
public final class ControlAgent implements AutoCloseable {
    public static final String NODE_ID_FILE = "control-node-id";
    public static final String AGENT = "edgebook-edge/" + version();
    private static final System.Logger LOG = System.getLogger("edgebook.agent");
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,59}");
    private static final long MIN_INTERVAL_MILLIS = 50;
    private static final long MAX_INTERVAL_MILLIS = 600_000;

    /**
     * Where and who: the control plane's URL, the node's data directory, its enrollment token (null when it enrolled
     * before), its name, region and labels for enrollment (each optional), and the deadline of each request.
     */
    public record Options(URI control, Path dataDir, String enrollToken, String name, String region,
                          Map<String, String> labels, ControlClient.Options client) {
    }

    private final Options options;
    private final Vertx vertx;
    private final ControlClient client;
    private final TrustedPublishers trust;
    private final Promise<String> stopped = Promise.promise();
    private volatile boolean closed;
    private String nodeId;
    private long intervalMillis = 10_000;
    private long seq;
    private String lastTried = "";
    private boolean retryDesired;
    private DesiredStateApplier applier;
    private NodeTelemetry telemetry;
    private volatile long heartbeats;
    private volatile String lastState = "";
    private volatile long timer = -1;

    private ControlAgent(final Options options, final Ed25519Key.Private key, final TrustedPublishers trust) {
        this.options = options;
        this.trust = trust;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2));
        this.client = new ControlClient(vertx, options.control(), key, options.client());
    }

    /** An agent signing with {@code key} and trusting {@code trust}'s publishers; nothing is sent yet. */
    public static ControlAgent create(final Options options, final Ed25519Key.Private key,
                                      final TrustedPublishers trust) {
        return new ControlAgent(options, key, trust);
    }

    /**
     * The node's id: read from {@value #NODE_ID_FILE} in the data directory, else got by enrolling with the token
     * and written there. Blocks until the control plane answers (or the request's deadline).
     *
     * @throws IOException when there is no id yet and no token, or the enrollment is refused (the message says why)
     */
    public String enroll() throws IOException {
        final Path file = options.dataDir().resolve(NODE_ID_FILE);
        if (Files.exists(file)) {
            final String id = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (!NODE_ID.matcher(id).matches()) {
                throw new IOException(file + ": not a node id (1 to 59 of A-Z a-z 0-9 . _ -): '" + id + "'");
            }
            nodeId = id;
            LOG.log(System.Logger.Level.INFO, "control plane: node {0} (enrolled before, {1})", id, file);
            return id;
        }
        if (options.enrollToken() == null || options.enrollToken().isEmpty()) {
            throw new IOException("the node is not enrolled (no " + file + ") and no enrollment token was given "
                    + "(--enroll-token)");
        }
        final ControlClient.Enrolled enrolled = await(client.enroll(options.enrollToken(), options.name(), options
                .region(), options.labels()));
        if (!NODE_ID.matcher(enrolled.nodeId()).matches()) {
            throw new IOException("the control plane gave a node id that is not 1 to 59 of A-Z a-z 0-9 . _ -: '"
                    + enrolled.nodeId() + "'");
        }
        Files.createDirectories(options.dataDir());
        final Path temporary = options.dataDir().resolve(NODE_ID_FILE + ".tmp");
        Files.writeString(temporary, enrolled.nodeId() + "\n", StandardCharsets.UTF_8);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        nodeId = enrolled.nodeId();
        intervalMillis = clampInterval(enrolled.heartbeatIntervalMs());
        LOG.log(System.Logger.Level.INFO, "control plane: enrolled as node {0} (kept in {1})", nodeId, file);
        return nodeId;
    }

    /** Starts heartbeating for {@code node} (after {@link #enroll}): the first heartbeat goes at once. */
    public ControlAgent start(final EdgeNode node) {
        if (nodeId == null) {
            throw new IllegalStateException("enroll() first");
        }
        applier = new DesiredStateApplier(node, trust, new ModuleStore(options.dataDir()), sha -> await(client.module(
                nodeId, sha)));
        telemetry = new NodeTelemetry(node, applier, AGENT, Map.of("edgebook", version(), "runtime", "chicory-"
                + mavenVersion("com.dylibso.chicory", "runtime", "unknown")));
        vertx.runOnContext(v -> tick());
        return this;
    }

    private void tick() {
        if (closed || stopped.future().isComplete()) {
            return;
        }
        vertx.executeBlocking(() -> {
            runTick();
            return null;
        }, true).onComplete(done -> {
            if (done.failed()) {
                LOG.log(System.Logger.Level.ERROR, "control plane: a tick failed; the next one runs in "
                        + intervalMillis + " ms", done.cause());
            }
            if (!closed && !stopped.future().isComplete()) {
                timer = vertx.setTimer(intervalMillis, id -> tick());
            }
        });
    }

    /** One heartbeat, and the desired state when it changed. Runs in the ordered blocking step. */
    private void runTick() {
        final Heartbeat heartbeat = telemetry.collect(++seq);
        final ControlClient.HeartbeatAnswer answer;
        try {
            answer = await(client.heartbeat(nodeId, HeartbeatJson.write(heartbeat)));
        } catch (final IOException e) {
            if (!revoked(e)) {
                LOG.log(System.Logger.Level.WARNING, "control plane: heartbeat {0} failed, retried in {1} ms: {2}",
                        heartbeat.seq(), intervalMillis, e.getMessage());
            }
            return;
        }
        heartbeats++;
        lastState = answer.state();
        intervalMillis = clampInterval(answer.intervalMs());
        final String desired = answer.desired();
        if (desired.isEmpty() || desired.equals(applier.applied()) || desired.equals(lastTried) && !retryDesired) {
            return;
        }
        final DesiredState state;
        try {
            state = await(client.desired(nodeId));
        } catch (final IOException e) {
            if (!revoked(e)) {
                LOG.log(System.Logger.Level.WARNING, "control plane: the desired state could not be read, retried "
                        + "at the next heartbeat: {0}", e.getMessage());
            }
            return;
        }
        final DesiredStateApplier.Outcome outcome = applier.apply(state);
        lastTried = state.hash();
        retryDesired = outcome.downloadFailed();
        LOG.log(outcome.complete() ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                "control plane: desired state {0} {1}", state.hash(), outcome.complete() ? "applied"
                        : "not applied in full (" + outcome.refused().size() + " refused"
                                + (outcome.downloadFailed() ? ", downloads to retry" : "") + ")");
    }

    /** Whether {@code e} is a revocation; if so the agent stops, loudly. */
    private boolean revoked(final IOException e) {
        if (e instanceof ControlClient.ControlException c && c.revoked()) {
            LOG.log(System.Logger.Level.ERROR, "CONTROL PLANE: NODE " + nodeId + " IS REVOKED; the agent stops "
                    + "(no more heartbeats or module updates); the node keeps serving what it runs. " + e
                            .getMessage());
            stopped.tryComplete("revoked: " + e.getMessage());
            return true;
        }
        return false;
    }

    /** Waits for {@code future} on this (non event-loop) thread; its failure as an IOException. */
    private <T> T await(final Future<T> future) throws IOException {
        try {
            return future.toCompletionStage().toCompletableFuture().get(options.client().timeoutMillis() + 5_000,
                    TimeUnit.MILLISECONDS);
        } catch (final ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (final TimeoutException e) {
            throw new IOException("no answer from the control plane in time", e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static long clampInterval(final long millis) {
        return Math.max(MIN_INTERVAL_MILLIS, Math.min(MAX_INTERVAL_MILLIS, millis));
    }

    private static String version() {
        final String v = mavenVersion("org.edgebook", "edgebook-edge", "0.1.0");
        return v.endsWith("-SNAPSHOT") ? v.substring(0, v.length() - "-SNAPSHOT".length()) : v;
    }

    /** An artifact's version from the pom.properties Maven puts in its jar; {@code otherwise} when there is none. */
    private static String mavenVersion(final String group, final String artifact, final String otherwise) {
        try (java.io.InputStream in = ControlAgent.class.getClassLoader().getResourceAsStream("META-INF/maven/"
                + group + "/" + artifact + "/pom.properties")) {
            if (in == null) {
                return otherwise;
            }
            final java.util.Properties p = new java.util.Properties();
            p.load(in);
            return p.getProperty("version", otherwise);
        } catch (final IOException e) {
            return otherwise;
        }
    }

    /** The node's id (after {@link #enroll}). */
    public String nodeId() {
        return nodeId;
    }

    /** Completes with the reason when the agent stops by itself (revoked). */
    public Future<String> stopped() {
        return stopped.future();
    }

    /** Heartbeats the control plane answered. */
    public long heartbeats() {
        return heartbeats;
    }

    /** The node's state in the last heartbeat answer ({@code up}, …; empty before). */
    public String lastState() {
        return lastState;
    }

    /** The applier (after {@link #start}). */
    public DesiredStateApplier applier() {
        return applier;
    }

    @Override
    public void close() {
        closed = true;
        stopped.tryComplete("closed");
        vertx.cancelTimer(timer);
        client.close();
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).exceptionally(
                e -> null).join();
    }
}
