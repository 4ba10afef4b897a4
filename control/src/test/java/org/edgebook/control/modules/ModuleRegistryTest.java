package org.edgebook.control.modules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.edgebook.codec.ModuleSignature;
import org.edgebook.control.TestStores;
import org.edgebook.control.store.Database;
import org.edgebook.guests.Guests;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ModuleRegistryTest {
    private static final byte[] TRANSFORM = Guests.read(Guests.TRANSFORM_MEMORY);
    private static final byte[] TELEMETRY = Guests.read(Guests.TELEMETRY_MEMORY);

    private final PublisherKeys keys = new PublisherKeys();
    private final ModuleRegistry registry = new ModuleRegistry(keys);

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void aSignedModuleIsStoredByItsHashAndReadBackByteForByte(final Database.Kind kind, @TempDir final Path dir)
            throws SQLException {
        try (Database db = TestStores.open(kind, dir)) {
            final Publisher acme = Publisher.generate();
            final String keyId = db.inTransaction(c -> keys.create(c, "acme", acme.publicKey, 1)).keyId();
            final ModuleRegistry.Uploaded up = db.inTransaction(c -> registry.upload(c, acme.upload(Publisher
                    .manifest("transform", "1.2.0"), TRANSFORM, keyId), 5));

            assertThat(up.created()).isTrue();
            assertThat(up.module().sha256()).isEqualTo(ModuleSignature.sha256Hex(TRANSFORM));
            assertThat(up.module().size()).isEqualTo(TRANSFORM.length);
            final byte[] back = db.inTransaction(c -> registry.bytes(c, up.module().sha256()));
            assertThat(back).isEqualTo(TRANSFORM);
            final ModuleVersion found = db.inTransaction(c -> registry.find(c, "transform", "1.2.0"));
            assertThat(found).isEqualTo(up.module());
            assertThat(found.manifest().canonicalJson()).isEqualTo(
                    "{\"convention\":\"MEMORY\",\"limits\":{\"deadlineMs\":50,\"memoryPages\":96},"
                            + "\"name\":\"transform\",\"version\":\"1.2.0\"}");

            // The same upload again answers what is stored; the same bytes under another version share their row.
            final ModuleRegistry.Uploaded again = db.inTransaction(c -> registry.upload(c, acme.upload(Publisher
                    .manifest("transform", "1.2.0"), TRANSFORM, keyId), 9));
            assertThat(again.created()).isFalse();
            assertThat(again.module()).isEqualTo(up.module());
            db.inTransaction(c -> registry.upload(c, acme.upload(Publisher.manifest("transform", "1.2.1"), TRANSFORM,
                    keyId), 10));
            assertThat(count(db, "modules")).isEqualTo(2);
            assertThat(count(db, "module_bytes")).isEqualTo(1);

            // Another module under an existing version is refused.
            assertRefused(db, acme.upload(Publisher.manifest("transform", "1.2.0"), TELEMETRY, keyId), 409,
                    "version_exists", "manifest.version");
            assertThat(db.inTransaction(registry::list)).hasSize(2);
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void theBinaryColumnHoldsTheLargestModuleAndOneByteMoreIsRefused(final Database.Kind kind,
                                                                     @TempDir final Path dir) throws SQLException {
        try (Database db = TestStores.open(kind, dir)) {
            final Publisher acme = Publisher.generate();
            final String keyId = db.inTransaction(c -> keys.create(c, "acme", acme.publicKey, 1)).keyId();
            final byte[] largest = Arrays.copyOf(TRANSFORM, ModuleRegistry.MAX_MODULE_BYTES);
            for (int i = TRANSFORM.length; i < largest.length; i++) {
                largest[i] = (byte) (i * 31 + (i >>> 8));
            }
            final ModuleRegistry.Uploaded up = db.inTransaction(c -> registry.upload(c, acme.upload(Publisher
                    .manifest("big", "1.0.0"), largest, keyId), 2));
            final byte[] back = db.inTransaction(c -> registry.bytes(c, up.module().sha256()));
            assertThat(back).isEqualTo(largest);

            final byte[] tooLarge = Arrays.copyOf(largest, largest.length + 1);
            assertRefused(db, acme.upload(Publisher.manifest("big", "1.0.1"), tooLarge, keyId), 400, "malformed",
                    "module: at most 16777216 bytes");
            assertThat(count(db, "modules")).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Database.Kind.class)
    void everyBadUploadIsRefusedWithItsCodeAndNothingIsStored(final Database.Kind kind, @TempDir final Path dir)
            throws SQLException {
        try (Database db = TestStores.open(kind, dir)) {
            final Publisher acme = Publisher.generate();
            final Publisher other = Publisher.generate();
            final String keyId = db.inTransaction(c -> keys.create(c, "acme", acme.publicKey, 1)).keyId();
            final String revoked = db.inTransaction(c -> keys.create(c, "gone", other.publicKey, 1)).keyId();
            db.inTransaction(c -> keys.revoke(c, "gone", revoked, 2));
            final Map<String, Object> manifest = Publisher.manifest("transform", "1.3.0");

            final byte[] tampered = TRANSFORM.clone();
            tampered[tampered.length - 1] ^= 1;
            assertRefused(db, Publisher.upload(manifest, tampered, keyId, acme.sign(TRANSFORM, manifest)), 422,
                    "signature_invalid", "signature");
            assertRefused(db, Publisher.upload(manifest, TRANSFORM, keyId, acme.sign(TRANSFORM, Publisher.manifest(
                    "transform", "1.3.1"))), 422, "signature_invalid", "signature");
            assertRefused(db, Publisher.upload(manifest, TRANSFORM, keyId, other.sign(TRANSFORM, manifest)), 422,
                    "signature_invalid", "signature");
            assertRefused(db, Publisher.upload(manifest, TRANSFORM, keyId, "not base64!"), 422, "signature_invalid",
                    "signature");
            assertRefused(db, acme.upload(manifest, TRANSFORM, "pk-99"), 422, "key_unknown", "keyId");
            assertRefused(db, acme.upload(manifest, TRANSFORM, "acme"), 422, "key_unknown", "keyId");
            assertRefused(db, other.upload(manifest, TRANSFORM, revoked), 422, "key_revoked", "keyId");
            assertRefused(db, acme.upload(manifest, "not wasm at all".getBytes(), keyId), 400, "malformed",
                    "module: not a WebAssembly module");
            final byte[] version2 = TRANSFORM.clone();
            version2[4] = 2;
            assertRefused(db, acme.upload(manifest, version2, keyId), 400, "malformed",
                    "module: not a WebAssembly module");

            assertBadManifest(db, acme, keyId, m -> m.put("name", "Transform"), "manifest.name");
            assertBadManifest(db, acme, keyId, m -> m.remove("name"), "manifest.name: is required");
            assertBadManifest(db, acme, keyId, m -> m.put("version", "1.3"), "manifest.version");
            assertBadManifest(db, acme, keyId, m -> m.put("version", 13L), "manifest.version: must be a string");
            assertBadManifest(db, acme, keyId, m -> m.put("convention", "memory"), "manifest.convention");
            assertBadManifest(db, acme, keyId, m -> m.put("entry", "main"), "manifest.entry: unknown field");
            assertBadManifest(db, acme, keyId, m -> limits(m).put("memoryPages", 40_000L),
                    "manifest.limits.memoryPages: must be an integer from 1 to 32767, not 40000");
            assertBadManifest(db, acme, keyId, m -> limits(m).put("deadlineMs", "50"),
                    "manifest.limits.deadlineMs");
            assertBadManifest(db, acme, keyId, m -> limits(m).put("threads", 2L), "manifest.limits.threads");
            assertBadManifest(db, acme, keyId, m -> m.put("limits", "none"), "manifest.limits: must be a JSON "
                    + "object");

            assertThat(count(db, "modules")).isZero();
            assertThat(count(db, "module_bytes")).isZero();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> limits(final Map<String, Object> manifest) {
        return (Map<String, Object>) manifest.get("limits");
    }

    private void assertBadManifest(final Database db, final Publisher acme, final String keyId,
                                   final Consumer<Map<String, Object>> change, final String message) {
        final Map<String, Object> manifest = Publisher.manifest("transform", "1.3.0");
        manifest.put("limits", new LinkedHashMap<>(limits(manifest)));
        change.accept(manifest);
        assertRefused(db, acme.upload(manifest, TRANSFORM, keyId), 400, "malformed", message);
    }

    private void assertRefused(final Database db, final Map<String, Object> body, final int status,
                               final String code, final String message) {
        assertThatThrownBy(() -> db.inTransaction(c -> registry.upload(c, body, 3))).isInstanceOfSatisfying(
                Refusal.class, r -> {
                    assertThat(r.status()).isEqualTo(status);
                    assertThat(r.code()).isEqualTo(code);
                    assertThat(r.getMessage()).startsWith(message);
                });
    }

    static long count(final Database db, final String table) throws SQLException {
        return db.inTransaction(c -> count(c, table));
    }

    static long count(final Connection c, final String table) throws SQLException {
        try (ResultSet r = c.createStatement().executeQuery("SELECT COUNT(*) FROM " + table)) {
            r.next();
            return r.getLong(1);
        }
    }
}
