package org.edgebook.control.modules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.SQLException;
import org.edgebook.control.TestStores;
import org.edgebook.control.store.Database;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PublisherKeysTest {
    private final PublisherKeys keys = new PublisherKeys();

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void aKeyIsRotatedOnlyWithAValidEndorsementByAnActiveKeyOfTheSamePublisher(final Database.Kind kind,
                                                                               @TempDir final Path dir)
            throws SQLException {
        try (Database db = TestStores.open(kind, dir)) {
            final Publisher first = Publisher.generate();
            final Publisher second = Publisher.generate();
            final Publisher stranger = Publisher.generate();
            final PublisherKey k1 = db.inTransaction(c -> keys.create(c, "acme", first.publicKey, 1));
            final PublisherKey s1 = db.inTransaction(c -> keys.create(c, "other", stranger.publicKey, 1));
            assertThat(k1.keyId()).isEqualTo("pk-1");
            assertThat(k1.endorsedBy()).isNull();
            refused(db, c -> keys.create(c, "acme", second.publicKey, 2), 409, "publisher_exists");
            refused(db, c -> keys.create(c, "Acme!", second.publicKey, 2), 400, "malformed");
            refused(db, c -> keys.create(c, "new", "AAAA", 2), 400, "malformed");

            // Without an endorsement, with a bad one, by another publisher's key, by an unknown key.
            refused(db, c -> keys.rotate(c, "acme", second.publicKey, k1.keyId(), null, 2), 400, "malformed");
            refused(db, c -> keys.rotate(c, "acme", second.publicKey, k1.keyId(), stranger.endorse("acme",
                    second), 2), 422, "endorsement_invalid");
            refused(db, c -> keys.rotate(c, "acme", second.publicKey, k1.keyId(), first.endorse("other",
                    second), 2), 422, "endorsement_invalid");
            refused(db, c -> keys.rotate(c, "acme", second.publicKey, s1.keyId(), stranger.endorse("acme",
                    second), 2), 422, "key_unknown");
            refused(db, c -> keys.rotate(c, "acme", second.publicKey, "pk-77", first.endorse("acme", second),
                    2), 422, "key_unknown");
            refused(db, c -> keys.rotate(c, "nobody", second.publicKey, k1.keyId(), first.endorse("nobody",
                    second), 2), 404, "publisher_unknown");
            assertThat(db.inTransaction(keys::list)).hasSize(2);

            final PublisherKey k2 = db.inTransaction(c -> keys.rotate(c, "acme", second.publicKey, k1.keyId(), first
                    .endorse("acme", second), 3));
            assertThat(k2.keyId()).isEqualTo("pk-3");
            assertThat(k2.endorsedBy()).isEqualTo("pk-1");
            refused(db, c -> keys.rotate(c, "acme", second.publicKey, k1.keyId(), first.endorse("acme", second),
                    4), 409, "key_exists");

            // Revoked: it no longer endorses; revoking again changes nothing; only its own publisher's key.
            refused(db, c -> keys.revoke(c, "other", k1.keyId(), 5), 404, "key_unknown");
            final PublisherKey revoked = db.inTransaction(c -> keys.revoke(c, "acme", k1.keyId(), 5));
            assertThat(revoked.state()).isEqualTo("revoked");
            assertThat(revoked.revokedAt()).isEqualTo(5);
            assertThat(db.inTransaction(c -> keys.revoke(c, "acme", k1.keyId(), 6)).revokedAt()).isEqualTo(5);
            final Publisher third = Publisher.generate();
            refused(db, c -> keys.rotate(c, "acme", third.publicKey, k1.keyId(), first.endorse("acme", third),
                    7), 422, "key_revoked");
            db.inTransaction(c -> keys.rotate(c, "acme", third.publicKey, k2.keyId(), second.endorse("acme", third),
                    8));

            assertThat(db.inTransaction(keys::list)).extracting(PublisherKey::keyId, PublisherKey::state)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("pk-1", "revoked"),
                            org.assertj.core.groups.Tuple.tuple("pk-2", "active"),
                            org.assertj.core.groups.Tuple.tuple("pk-3", "active"),
                            org.assertj.core.groups.Tuple.tuple("pk-4", "active"));
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void aRaceToAddAPublisherTwiceEndsInTheUniqueViolationTheAreaAnswers409(final Database.Kind kind,
                                                                            @TempDir final Path dir)
            throws SQLException {
        try (Database db = TestStores.open(kind, dir)) {
            // Two first keys of one publisher, as two requests that both saw no publisher would add them.
            assertThatThrownBy(() -> db.inTransaction(c -> {
                c.createStatement().executeUpdate("INSERT INTO publishers (name, created_at) VALUES ('acme', 1)");
                return c.createStatement().executeUpdate(
                        "INSERT INTO publishers (name, created_at) VALUES ('acme', 2)");
            })).isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23505"));
            assertThat(ModuleRegistryTest.count(db, "publishers")).isZero();
        }
    }

    private void refused(final Database db, final ScopedCall call, final int status, final String code) {
        assertThatThrownBy(() -> db.inTransaction(c -> call.run(c))).isInstanceOfSatisfying(Refusal.class, r -> {
            assertThat(r.code()).as(r.getMessage()).isEqualTo(code);
            assertThat(r.status()).isEqualTo(status);
        });
    }

    @FunctionalInterface
    private interface ScopedCall {
        Object run(java.sql.Connection c) throws SQLException;
    }
}
