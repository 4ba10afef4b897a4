package org.edgebook.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.concurrent.atomic.AtomicLong;
import org.edgebook.codec.SignedRequest;
import org.edgebook.control.store.Database;
import org.edgebook.server.SettlementServer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Settlement follows the control plane (docs/control-plane.md section 3), against a real settlement service: an
 * enrolled node is registered there and may sign to it; a revocation made while settlement is down is kept in
 * {@code settlement_sync} and reaches settlement once it is up, after which settlement refuses the node.
 */
class SettlementSyncTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void aRevocationMadeWhileSettlementIsDownReachesItWhenItIsUp(final Database.Kind kind) throws Exception {
        final int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        final SettlementServer.Config settlementConfig = new SettlementServer.Config("127.0.0.1", port,
                dir.resolve("settlement"), dir.resolve("master.key"), 1000);
        SettlementServer settlement = SettlementServer.start(settlementConfig, false, w -> {});
        final String admin = settlement.describeKeys().stream().filter(l -> l.startsWith("admin")).findFirst()
                .orElseThrow();
        final String[] parts = admin.trim().split("\\s+"); // admin key ID secret SECRET
        final Path keyFile = dir.resolve("settlement-key");
        Files.writeString(keyFile, parts[2] + " " + parts[4] + "\n");
        final Control.Store store = Control.Store.fresh(kind, dir.resolve("control"));
        try (Control c = Control.start(store, new AtomicLong(System.currentTimeMillis()), config -> config
                .withSettlement(URI.create("http://127.0.0.1:" + port), keyFile).withSettlementRetryMax(400))) {
            final Control.Node node = c.enroll(c.token(null), null, null);
            Control.await("the registration reached settlement", () -> pending(c) == 0);
            assertThat(atSettlement(c, node, port).statusCode()).isEqualTo(200);

            settlement.close();
            c.json(c.operator("DELETE", "/v1/nodes/" + node.id, null), 200);
            assertThat(pending(c)).isEqualTo(1); // kept until settlement answers it

            settlement = SettlementServer.start(settlementConfig, false, w -> {});
            Control.await("the revocation reached settlement", () -> pending(c) == 0);
            final HttpResponse<String> refused = atSettlement(c, node, port);
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(new JsonObject(refused.body()).getString("error")).isEqualTo("revoked node");
        } finally {
            settlement.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void anIdSettlementHoldsWithAnotherKeyIsNotTakenAsRegistered(final Database.Kind kind) throws Exception {
        final int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        final SettlementServer settlement = SettlementServer.start(new SettlementServer.Config("127.0.0.1", port,
                dir.resolve("settlement"), dir.resolve("master.key"), 1000), false, w -> {});
        try {
            final String[] parts = settlement.describeKeys().stream().filter(l -> l.startsWith("admin")).findFirst()
                    .orElseThrow().trim().split("\\s+");
            final Path keyFile = dir.resolve("settlement-key");
            Files.writeString(keyFile, parts[2] + " " + parts[4] + "\n");
            // Settlement already holds n-1, with another machine's key (a control plane started on a fresh store).
            final String other = java.util.Base64.getEncoder().encodeToString(Control.newKey().publicRaw());
            final byte[] body = ("{\"node\":\"n-1\",\"publicKey\":\"" + other + "\"}").getBytes(
                    java.nio.charset.StandardCharsets.UTF_8);
            final String ts = Long.toString(System.currentTimeMillis());
            assertThat(java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + port + "/v1/admin/nodes")).header(
                            org.edgebook.http.RequestSignature.KEY_HEADER, parts[2]).header(
                                    org.edgebook.http.RequestSignature.TIMESTAMP_HEADER, ts).header(
                                            org.edgebook.http.RequestSignature.SIGNATURE_HEADER,
                                            org.edgebook.http.RequestSignature.sign(parts[4].getBytes(
                                                    java.nio.charset.StandardCharsets.US_ASCII), ts, "POST",
                                                    "/v1/admin/nodes", body)).POST(HttpRequest.BodyPublishers
                                                            .ofByteArray(body)).build(), HttpResponse.BodyHandlers
                                                                    .ofString()).statusCode()).isEqualTo(201);
            try (Control c = Control.start(Control.Store.fresh(kind, dir.resolve("control")), new AtomicLong(System
                    .currentTimeMillis()), config -> config.withSettlement(URI.create("http://127.0.0.1:" + port),
                            keyFile).withSettlementRetryMax(200))) {
                final Control.Node node = c.enroll(c.token(null), null, null);
                assertThat(node.id).isEqualTo("n-1");
                // Tried several times (the retry wait is at most 200 ms), and never taken as done.
                final long until = System.nanoTime() + 2_000_000_000L;
                while (System.nanoTime() < until) {
                    assertThat(pending(c)).as("the registration stays pending").isEqualTo(1);
                    Thread.sleep(100);
                }
                assertThat(atSettlement(c, node, port).statusCode()).isEqualTo(401);
            }
        } finally {
            settlement.close();
        }
    }

    /** The node's own signed request to settlement, on the real clock. */
    private static HttpResponse<String> atSettlement(final Control c, final Control.Node node, final int port)
            throws Exception {
        final long ts = System.currentTimeMillis();
        final String path = "/v1/node/client-keys";
        return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header(SignedRequest.NODE_HEADER, node.id).header(SignedRequest.TIMESTAMP_HEADER, Long.toString(ts))
                .header(SignedRequest.SIGNATURE_HEADER, SignedRequest.sign(node.key, ts, "GET", path, new byte[0]))
                .GET());
    }

    private static int pending(final Control c) {
        try {
            return c.server.database().inTransaction(conn -> {
                try (ResultSet r = conn.createStatement().executeQuery("SELECT COUNT(*) FROM settlement_sync")) {
                    r.next();
                    return r.getInt(1);
                }
            });
        } catch (final java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
