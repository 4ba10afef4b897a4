package org.edgebook.control.modules;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.ModuleSignature;

/**
 * Publishers and their keys (docs/control-plane.md section 6): a publisher's first key is added as is; every later
 * key only with a valid endorsement by an active key of the same publisher ({@link ModuleSignature#endorsement}), so
 * that a node that trusts the first key can trust the next without trusting the control plane; a key can be
 * revoked. Each method runs in the caller's transaction and throws a {@link Refusal} before it writes anything.
 * <p>
 * Threading: stateless and thread-safe.
 */
public final class PublisherKeys {
    private static final String COLUMNS = "seq, publisher, public_key, key_state, endorsed_by, endorsement, "
            + "created_at, revoked_at";

    /** Adds the first key of a new publisher: 409 {@code publisher_exists}, {@code key_exists}; 400 malformed. */
    public PublisherKey create(final Connection c, final String publisher, final String publicKey, final long now)
            throws SQLException {
        checkPublisher(publisher);
        checkPublicKey(publicKey);
        if (!forPublisher(c, publisher).isEmpty()) {
            throw new Refusal(409, "publisher_exists", "publisher: " + publisher + " exists; add a key with POST "
                    + "/v1/publishers/" + publisher + "/keys and an endorsement by one of its active keys");
        }
        try (PreparedStatement s = c.prepareStatement("INSERT INTO publishers (name, created_at) VALUES (?, ?)")) {
            s.setString(1, publisher);
            s.setLong(2, now);
            s.executeUpdate();
        }
        return insert(c, publisher, publicKey, null, null, now);
    }

    /**
     * Adds a key to {@code publisher}, endorsed by its active key {@code endorsedBy}: 404 {@code publisher_unknown};
     * 422 {@code key_unknown} or {@code key_revoked} (the endorser), {@code endorsement_invalid}; 409
     * {@code key_exists}.
     */
    public PublisherKey rotate(final Connection c, final String publisher, final String publicKey,
                               final String endorsedBy, final String endorsement, final long now)
            throws SQLException {
        checkPublisher(publisher);
        checkPublicKey(publicKey);
        if (endorsedBy == null || endorsedBy.isEmpty()) {
            throw Refusal.malformed("endorsedBy", "is required: the id of an active key of " + publisher);
        }
        if (endorsement == null || endorsement.isEmpty()) {
            throw Refusal.malformed("endorsement", "is required: the endorser's base64 signature of the new key");
        }
        if (forPublisher(c, publisher).isEmpty()) {
            throw new Refusal(404, "publisher_unknown", "publisher: no publisher " + publisher);
        }
        final PublisherKey endorser = find(c, endorsedBy);
        if (endorser == null || !endorser.publisher().equals(publisher)) {
            throw new Refusal(422, "key_unknown", "endorsedBy: " + Manifest.clip(endorsedBy) + " is not a key of "
                    + publisher);
        }
        if (!endorser.active()) {
            throw new Refusal(422, "key_revoked", "endorsedBy: " + endorsedBy + " is revoked");
        }
        final Ed25519Key.Public key = Ed25519Key.Public.of(Base64.getDecoder().decode(endorser.publicKey()));
        if (!ModuleSignature.verifyEndorsement(key, publisher, publicKey, endorsement)) {
            throw new Refusal(422, "endorsement_invalid", "endorsement: not " + endorsedBy + "'s signature of "
                    + "edgebook-publisher-key-v1, " + publisher + " and the new public key");
        }
        return insert(c, publisher, publicKey, endorsedBy, endorsement, now);
    }

    /** Revokes {@code keyId} of {@code publisher} (again: no change): 404 {@code key_unknown}. */
    public PublisherKey revoke(final Connection c, final String publisher, final String keyId, final long now)
            throws SQLException {
        final PublisherKey key = find(c, keyId);
        if (key == null || !key.publisher().equals(publisher)) {
            throw new Refusal(404, "key_unknown", "keyId: " + Manifest.clip(String.valueOf(keyId))
                    + " is not a key of " + Manifest.clip(String.valueOf(publisher)));
        }
        if (!key.active()) {
            return key;
        }
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE publisher_keys SET key_state = ?, revoked_at = ? WHERE seq = ?")) {
            s.setString(1, PublisherKey.REVOKED);
            s.setLong(2, now);
            s.setLong(3, PublisherKey.seqOf(keyId));
            s.executeUpdate();
        }
        return new PublisherKey(key.keyId(), key.publisher(), key.publicKey(), PublisherKey.REVOKED,
                key.endorsedBy(), key.endorsement(), key.createdAt(), now);
    }

    /** The key, or null. */
    public PublisherKey find(final Connection c, final String keyId) throws SQLException {
        final long seq = PublisherKey.seqOf(keyId);
        if (seq < 0) {
            return null;
        }
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM publisher_keys WHERE seq = ?")) {
            s.setLong(1, seq);
            final List<PublisherKey> keys = read(s);
            return keys.isEmpty() ? null : keys.getFirst();
        }
    }

    /** Every key of every publisher, in id order. */
    public List<PublisherKey> list(final Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM publisher_keys ORDER BY seq")) {
            return read(s);
        }
    }

    private List<PublisherKey> forPublisher(final Connection c, final String publisher) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS
                + " FROM publisher_keys WHERE publisher = ? ORDER BY seq")) {
            s.setString(1, publisher);
            return read(s);
        }
    }

    private PublisherKey insert(final Connection c, final String publisher, final String publicKey,
                                final String endorsedBy, final String endorsement, final long now)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT seq FROM publisher_keys WHERE public_key = ?")) {
            s.setString(1, publicKey);
            try (ResultSet r = s.executeQuery()) {
                if (r.next()) {
                    throw new Refusal(409, "key_exists", "publicKey: already registered as pk-" + r.getLong(1));
                }
            }
        }
        try (PreparedStatement s = c.prepareStatement("INSERT INTO publisher_keys (publisher, public_key, key_state, "
                + "endorsed_by, endorsement, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, 0)",
                new String[] {"seq"})) {
            s.setString(1, publisher);
            s.setString(2, publicKey);
            s.setString(3, PublisherKey.ACTIVE);
            s.setString(4, endorsedBy);
            s.setString(5, endorsement);
            s.setLong(6, now);
            s.executeUpdate();
            try (ResultSet r = s.getGeneratedKeys()) {
                r.next();
                return new PublisherKey("pk-" + r.getLong(1), publisher, publicKey, PublisherKey.ACTIVE, endorsedBy,
                        endorsement, now, 0);
            }
        }
    }

    private static List<PublisherKey> read(final PreparedStatement s) throws SQLException {
        final List<PublisherKey> keys = new ArrayList<>();
        try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
                keys.add(new PublisherKey("pk-" + r.getLong(1), r.getString(2), r.getString(3), r.getString(4),
                        r.getString(5), r.getString(6), r.getLong(7), r.getLong(8)));
            }
        }
        return keys;
    }

    private static void checkPublisher(final String publisher) {
        if (publisher == null || !Manifest.NAME.matcher(publisher).matches()) {
            throw Refusal.malformed("publisher", "must match [a-z0-9-]{1,64}, not '" + Manifest.clip(String.valueOf(
                    publisher)) + "'");
        }
    }

    /** A base64 string of the 32 raw bytes of a valid Ed25519 point, in its standard (padded) form. */
    static void checkPublicKey(final String publicKey) {
        if (publicKey == null) {
            throw Refusal.malformed("publicKey", "is required: base64 of the 32 raw bytes of an Ed25519 key");
        }
        try {
            final byte[] raw = Base64.getDecoder().decode(publicKey);
            Ed25519Key.Public.of(raw);
            if (!Base64.getEncoder().encodeToString(raw).equals(publicKey)) {
                throw Refusal.malformed("publicKey", "must be standard padded base64 (the form endorsements sign)");
            }
        } catch (final IllegalArgumentException e) {
            throw Refusal.malformed("publicKey", "must be base64 of the 32 raw bytes of an Ed25519 key: "
                    + e.getMessage());
        }
    }
}
