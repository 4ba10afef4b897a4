package org.edgebook.control.store;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.edgebook.control.ControlJson;
import org.edgebook.http.RequestSignature;

/**
 * Tells settlement what the control plane changed (docs/control-plane.md section 3): the rows of
 * {@code settlement_sync}, oldest first, written in the same transaction as each enrollment or revocation. A
 * registration is {@code POST /v1/admin/nodes {"node":"n-17","publicKey":"…"}} (settlement's own field name), a
 * revocation {@code DELETE /v1/admin/nodes/n-17}, both signed with the settlement admin key (HMAC,
 * {@link RequestSignature}). A row is deleted once settlement answered it (2xx; 409 for a registration it has; 404
 * for a revocation of a node it no longer has active); otherwise it is tried again after a wait that doubles from
 * 250 ms up to the configured ceiling, and the rows after it wait too, so settlement sees the changes in order.
 * <p>
 * Threading: one thread, {@code control-settlement}, a round each 250 ms while settlement answers.
 */
public final class SettlementSync implements AutoCloseable {
    private record Row(long seq, String nodeId, String op, String publicKey) {
    }

    private final Database db;
    private final URI settlement;
    private final OperatorKeys.Key key;
    private final long maxWaitMillis;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("control-settlement").daemon().unstarted(r));
    private long waitMillis = 250;
    private volatile long sent;

    public SettlementSync(final Database db, final URI settlement, final OperatorKeys.Key key,
                          final long maxWaitMillis) {
        this.db = db;
        this.settlement = settlement;
        this.key = key;
        this.maxWaitMillis = maxWaitMillis;
    }

    public void start() {
        thread.schedule(this::round, 0, TimeUnit.MILLISECONDS);
    }

    /** How many changes settlement has answered since this start. */
    public long sent() {
        return sent;
    }

    private void round() {
        long next = 1000;
        try {
            final List<Row> rows = pending();
            boolean failed = false;
            for (final Row row : rows) {
                if (!send(row)) {
                    failed = true;
                    break;
                }
                delete(row.seq());
                sent++;
            }
            if (failed) {
                next = waitMillis;
                waitMillis = Math.min(maxWaitMillis, waitMillis * 2);
            } else {
                waitMillis = 250;
                next = rows.size() == 100 ? 0 : 250;
            }
        } catch (final SQLException | RuntimeException e) {
            System.err.println("control: settlement sync: " + e.getMessage());
        } finally {
            if (!thread.isShutdown()) {
                thread.schedule(this::round, next, TimeUnit.MILLISECONDS);
            }
        }
    }

    private List<Row> pending() throws SQLException {
        return db.inTransaction(c -> {
            final List<Row> rows = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT seq, node_id, op, public_key FROM settlement_sync ORDER BY seq LIMIT 100");
                 ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    rows.add(new Row(r.getLong(1), r.getString(2), r.getString(3), r.getString(4)));
                }
            }
            return rows;
        });
    }

    private void delete(final long seq) throws SQLException {
        db.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM settlement_sync WHERE seq = ?")) {
                s.setLong(1, seq);
                return s.executeUpdate();
            }
        });
    }

    /** Whether settlement answered it as done. */
    private boolean send(final Row row) {
        final boolean register = row.op().equals("register");
        final String method = register ? "POST" : "DELETE";
        final String path = register ? "/v1/admin/nodes" : "/v1/admin/nodes/" + row.nodeId();
        final byte[] body = register ? ControlJson.object(json -> {
            json.writeStringField("node", row.nodeId());
            json.writeStringField("publicKey", row.publicKey());
        }) : new byte[0];
        final String timestamp = Long.toString(System.currentTimeMillis());
        final HttpRequest request = HttpRequest.newBuilder(settlement.resolve(path))
                .timeout(Duration.ofSeconds(10))
                .header(RequestSignature.KEY_HEADER, key.id())
                .header(RequestSignature.TIMESTAMP_HEADER, timestamp)
                .header(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(key.secretBytes(), timestamp, method,
                        path, body))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            final HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString(
                    StandardCharsets.UTF_8));
            final int status = answer.statusCode();
            if (register && status == 409) {
                return sameKeyAtSettlement(row);
            }
            if (status / 100 == 2 || !register && status == 404) {
                return true;
            }
            System.err.println("control: settlement answered " + method + " " + path + " with " + status + ": "
                    + answer.body() + "; trying again");
            return false;
        } catch (final java.io.IOException e) {
            return false;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * A 409 to a registration is done only when settlement holds this very key for the id (an earlier attempt whose
     * answer was lost); another key under the id (a control plane started on a fresh store handing out an id again)
     * is not: it is said loudly and tried again, so the node cannot settle until an operator sorts it out.
     */
    private boolean sameKeyAtSettlement(final Row row) throws java.io.IOException, InterruptedException {
        final String path = "/v1/admin/nodes";
        final String timestamp = Long.toString(System.currentTimeMillis());
        final HttpResponse<String> list = http.send(HttpRequest.newBuilder(settlement.resolve(path))
                .timeout(Duration.ofSeconds(10))
                .header(RequestSignature.KEY_HEADER, key.id())
                .header(RequestSignature.TIMESTAMP_HEADER, timestamp)
                .header(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(key.secretBytes(), timestamp, "GET",
                        path, new byte[0]))
                .GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (list.statusCode() != 200) {
            return false;
        }
        try (com.fasterxml.jackson.core.JsonParser p = ControlJson.JSON.createParser(list.body())) {
            String node = null;
            String publicKey = null;
            for (com.fasterxml.jackson.core.JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                    node = null;
                    publicKey = null;
                } else if (t == com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
                    if ("node".equals(p.currentName())) {
                        node = p.getText();
                    } else if ("publicKey".equals(p.currentName())) {
                        publicKey = p.getText();
                    }
                } else if (t == com.fasterxml.jackson.core.JsonToken.END_OBJECT && row.nodeId().equals(node)) {
                    if (row.publicKey().equals(publicKey)) {
                        return true;
                    }
                    System.err.println("control: settlement holds another key for node " + row.nodeId()
                            + "; it is not registered there until an operator revokes or removes that one (was the "
                            + "control plane started on a fresh store?)");
                    return false;
                }
            }
        }
        return false;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
