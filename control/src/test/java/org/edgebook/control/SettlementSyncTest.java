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
