package org.edgebook.control.fleet;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.control.ControlJson;
import org.edgebook.control.Refusal;
import org.edgebook.control.store.Database;
import org.edgebook.control.store.Records;

/**
 * Enrollment and revocation (docs/control-plane.md section 2): one-time, expiring tokens kept by their SHA-256 only;
 * a node presents one with its Ed25519 public key and gets {@code n-<sequence>}. A use of the token is taken in the
 * same transaction that adds the node, its {@code node.enrolled} event and, when settlement follows (section 3), its
 * {@code settlement_sync} row; a refusal rolls all of it back. Revocation is one transaction likewise.
 * <p>
 * Threading: thread-safe; every method does blocking store work (call it on a worker), then hands the change to the
 * fleet's writer.
 */
public final class Enrollment {
    public static final long MAX_TTL_SECONDS = 30L * 24 * 3600;
    public static final int MAX_USES = 1_000_000;
    private static final int MAX_NAME = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A token as made: shown once. */
    public record Token(String token, long expiresAt, int uses) {
    }

    private final Database db;
    private final Fleet fleet;
    private final boolean settlementFollows;

    public Enrollment(final Database db, final Fleet fleet, final boolean settlementFollows) {
        this.db = db;
        this.fleet = fleet;
        this.settlementFollows = settlementFollows;
    }

    /** {@code POST /v1/admin/enrollment-tokens}: makes a token from the request {@code body}. */
    public Token createToken(final String operator, final byte[] body, final long now) throws SQLException {
        long ttl = 3600;
        int uses = 1;
        String region = null;
        Map<String, String> labels = Map.of();
        try (JsonParser p = ControlJson.JSON.createParser(body.length == 0 ? "{}".getBytes() : body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw Refusal.malformed("the body is a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "ttlSeconds" -> ttl = whole(p, "ttlSeconds", 1, MAX_TTL_SECONDS);
                    case "uses" -> uses = (int) whole(p, "uses", 1, MAX_USES);
                    case "region" -> region = region(p);
                    case "labels" -> labels = labels(p);
                    default -> throw Refusal.malformed(field + " is not a field of an enrollment token (ttlSeconds, "
                            + "uses, region, labels)");
                }
            }
        } catch (final IOException e) {
            throw Refusal.malformed("the body is not JSON: " + e.getMessage());
        }
        final byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        final String token = "et_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        final long expiresAt = now + ttl * 1000;
        final String hash = sha256(token);
        final String theRegion = region;
        final Map<String, String> theLabels = labels;
        final int theUses = uses;
        final long theTtl = ttl;
        db.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO enrollment_tokens (token_hash, created_at, "
                    + "created_by, expires_at, uses_total, uses_left, region, labels) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, hash);
                s.setLong(2, now);
                s.setString(3, operator);
                s.setLong(4, expiresAt);
                s.setInt(5, theUses);
                s.setInt(6, theUses);
                s.setString(7, theRegion);
                s.setString(8, Labels.text(theLabels));
                s.executeUpdate();
            }
            Records.audit(c, now, operator, "enrollment-token.create", "et:" + hash.substring(0, 12),
                    ControlJson.text(json -> {
                        json.writeNumberField("ttlSeconds", theTtl);
                        json.writeNumberField("uses", theUses);
                        if (theRegion != null) {
                            json.writeStringField("region", theRegion);
                        }
                        ControlJson.labels(json, "labels", theLabels);
                    }));
            return null;
        });
        return new Token(token, expiresAt, uses);
    }

    /** {@code POST /v1/enroll}: the enrolled node, already in the fleet. */
    public Fleet.Member enroll(final byte[] body, final long now) throws SQLException {
        String token = null;
        String publicKey = null;
        String name = null;
        String region = null;
        Map<String, String> labels = Map.of();
        try (JsonParser p = ControlJson.JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw Refusal.malformed("the body is a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "token" -> token = string(p, "token", 64);
                    case "publicKey" -> publicKey = string(p, "publicKey", 64);
                    case "name" -> name = string(p, "name", MAX_NAME);
                    case "region" -> region = region(p);
                    case "labels" -> labels = labels(p);
                    default -> throw Refusal.malformed(field + " is not a field of an enrollment (token, publicKey, "
                            + "name, region, labels)");
                }
            }
        } catch (final IOException e) {
            throw Refusal.malformed("the body is not JSON: " + e.getMessage());
        }
        if (token == null) {
            throw Refusal.malformed("token is missing: the enrollment token (et_…)");
        }
        if (publicKey == null) {
            throw Refusal.malformed("publicKey is missing: the base64 of the node's 32-byte Ed25519 public key");
        }
        final Ed25519Key.Public key;
        try {
            key = Ed25519Key.Public.of(Base64.getDecoder().decode(publicKey));
        } catch (final IllegalArgumentException e) {
            throw Refusal.malformed("publicKey: " + e.getMessage());
        }
        final String keyText = Base64.getEncoder().encodeToString(key.raw());
        final String hash = sha256(token);
        final String askedName = name;
        final String askedRegion = region;
        final Map<String, String> askedLabels = labels;
        final Fleet.Member member;
        try {
            member = db.inTransaction(c -> {
                try (PreparedStatement s = c.prepareStatement("UPDATE enrollment_tokens SET uses_left = uses_left - 1"
                        + " WHERE token_hash = ? AND uses_left > 0 AND expires_at > ?")) {
                    s.setString(1, hash);
                    s.setLong(2, now);
                    if (s.executeUpdate() != 1) {
                        throw whyNot(c, hash, now);
                    }
                }
                String finalRegion = askedRegion;
                final Map<String, String> finalLabels = new TreeMap<>(askedLabels);
                try (PreparedStatement s = c.prepareStatement(
                        "SELECT region, labels FROM enrollment_tokens WHERE token_hash = ?")) {
                    s.setString(1, hash);
                    try (ResultSet r = s.executeQuery()) {
                        r.next();
                        if (r.getString(1) != null) {
                            finalRegion = r.getString(1); // the token's region and labels win
                        }
                        finalLabels.putAll(Labels.parse(r.getString(2)));
                    }
                }
                if (finalLabels.size() > Labels.MAX_LABELS) {
                    throw Refusal.malformed("labels: with the token's, more than " + Labels.MAX_LABELS);
                }
                try (PreparedStatement s = c.prepareStatement("SELECT node_id FROM nodes WHERE public_key = ?")) {
                    s.setString(1, keyText);
                    try (ResultSet r = s.executeQuery()) {
                        if (r.next()) {
                            throw new Refusal(409, "key_enrolled", "this public key is enrolled already (node "
                                    + r.getString(1) + "); a key enrolls once");
                        }
                    }
                }
                final long seq;
                try (PreparedStatement s = c.prepareStatement("SELECT nextval('node_seq')");
                     ResultSet r = s.executeQuery()) {
                    r.next();
                    seq = r.getLong(1);
                }
                final String id = NodeIds.of(seq);
                final long interval = fleet.intervalMs();
                try (PreparedStatement s = c.prepareStatement("INSERT INTO nodes (node_id, node_name, region, labels, "
                        + "public_key, state, enrolled_at, interval_ms) VALUES (?, ?, ?, ?, ?, 'up', ?, ?)")) {
                    s.setString(1, id);
                    s.setString(2, askedName);
                    s.setString(3, finalRegion);
                    s.setString(4, Labels.text(finalLabels));
                    s.setString(5, keyText);
                    s.setLong(6, now);
                    s.setLong(7, interval);
                    s.executeUpdate();
                }
                final String theRegion = finalRegion;
                Records.event(c, now, "node.enrolled", id, ControlJson.text(json -> {
                    if (askedName != null) {
                        json.writeStringField("name", askedName);
                    }
                    if (theRegion != null) {
                        json.writeStringField("region", theRegion);
                    }
                    ControlJson.labels(json, "labels", finalLabels);
                    json.writeStringField("publicKey", keyText);
                }));
                if (settlementFollows) {
                    settlementSync(c, now, id, "register", keyText);
                }
                return new Fleet.Member(new FleetView.Node(id, askedName, finalRegion, java.util.Collections
                        .unmodifiableMap(finalLabels), NodeState.UP, now, null), key, now, interval);
            });
        } catch (final SQLException e) {
            if ("23505".equals(e.getSQLState())) { // two enrollments of one key at once: the unique index
                throw new Refusal(409, "key_enrolled", "this public key is enrolled already; a key enrolls once");
            }
            throw e;
        }
        fleet.enrolled(member).join();
        return member;
    }

    /** {@code DELETE /v1/nodes/{id}}: false if there is no such node that is not revoked. */
    public boolean revoke(final String operator, final String id, final long now) throws SQLException {
        final String key = db.inTransaction(c -> {
            final String publicKey;
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT public_key FROM nodes WHERE node_id = ? AND state <> 'revoked'")) {
                s.setString(1, id);
                try (ResultSet r = s.executeQuery()) {
                    if (!r.next()) {
                        return null;
                    }
                    publicKey = r.getString(1);
                }
            }
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE nodes SET state = 'revoked', revoked_at = ? WHERE node_id = ?")) {
                s.setLong(1, now);
                s.setString(2, id);
                s.executeUpdate();
            }
            Records.event(c, now, "node.revoked", id, ControlJson.text(json -> json.writeStringField("by",
                    operator)));
            Records.audit(c, now, operator, "node.revoke", id, "{}");
            if (settlementFollows) {
                settlementSync(c, now, id, "revoke", publicKey);
            }
            return publicKey;
        });
        if (key == null) {
            return false;
        }
        fleet.revoked(id, now).join();
        return true;
    }

    private static void settlementSync(final java.sql.Connection c, final long now, final String id, final String op,
                                       final String publicKey) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO settlement_sync (at, node_id, op, public_key) VALUES (?, ?, ?, ?)")) {
            s.setLong(1, now);
            s.setString(2, id);
            s.setString(3, op);
            s.setString(4, publicKey);
            s.executeUpdate();
        }
    }

    private static Refusal whyNot(final java.sql.Connection c, final String hash, final long now)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT expires_at, uses_left FROM enrollment_tokens WHERE token_hash = ?")) {
            s.setString(1, hash);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return new Refusal(401, "token_unknown", "no such enrollment token");
                }
                if (r.getLong(1) <= now) {
                    return new Refusal(401, "token_expired", "the enrollment token expired at " + r.getLong(1));
                }
                return new Refusal(401, "token_used", "every use of the enrollment token is taken");
            }
        }
    }

    /** The SHA-256 of a token's text, in hex: all the store keeps of it. */
    static String sha256(final String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
                    token.getBytes(StandardCharsets.UTF_8)));
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long whole(final JsonParser p, final String field, final long min, final long max)
            throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw Refusal.malformed(field + " is a whole number from " + min + " to " + max);
        }
        final long value = p.getLongValue();
        if (value < min || value > max) {
            throw Refusal.malformed(field + " is from " + min + " to " + max + ", not " + value);
        }
        return value;
    }

    private static String string(final JsonParser p, final String field, final int max) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw Refusal.malformed(field + " is a string");
        }
        final String text = p.getText();
        if (text.isEmpty() || text.length() > max) {
            throw Refusal.malformed(field + " is 1 to " + max + " characters, not " + text.length());
        }
        return text;
    }

    private static String region(final JsonParser p) throws IOException {
        final String region = string(p, "region", Labels.MAX_TEXT);
        final String problem = Labels.problem("region", region);
        if (problem != null) {
            throw Refusal.malformed(problem);
        }
        return region;
    }

    private static Map<String, String> labels(final JsonParser p) throws IOException {
        try {
            return Labels.read(p, "labels");
        } catch (final IllegalArgumentException e) {
            throw Refusal.malformed(e.getMessage());
        }
    }
}
