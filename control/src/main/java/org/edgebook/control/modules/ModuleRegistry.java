package org.edgebook.control.modules;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.ModuleSignature;

/**
 * The module registry (docs/control-plane.md section 6): an upload is a manifest, the module's bytes, the id of the
 * publisher key that signed it and the signature; it is checked (the manifest, the bytes: at most
 * {@link #MAX_MODULE_BYTES} and starting with the WebAssembly magic and version 1, the key: known and active, the signature over
 * the bytes' SHA-256 and the manifest) and stored, the bytes once per SHA-256. A name and version is bound to one hash
 * and manifest for good: the same upload again answers what is stored; another is 409 {@code version_exists}.
 * Each method runs in the caller's transaction and throws a {@link Refusal} before it writes anything.
 * <p>
 * Threading: stateless and thread-safe.
 */
public final class ModuleRegistry {
    /** The largest module. */
    public static final int MAX_MODULE_BYTES = 16 << 20;
    /** The magic and binary format version 1 that every WebAssembly module starts with. */
    private static final byte[] WASM_HEADER = {0, 'a', 's', 'm', 1, 0, 0, 0};
    private static final Set<String> UPLOAD_FIELDS = Set.of("manifest", "module", "keyId", "signature");
    private static final String COLUMNS = "name, version, sha256, manifest, key_id, signature, size_bytes, uploaded_at";

    private final PublisherKeys keys;

    public ModuleRegistry(final PublisherKeys keys) {
        this.keys = keys;
    }

    /** An upload's outcome: the module version, and whether this upload added it (false: it was there). */
    public record Uploaded(ModuleVersion module, boolean created) {
    }

    /** Checks and stores the upload {@code body} ({@code POST /v1/modules}). */
    public Uploaded upload(final Connection c, final Map<String, Object> body, final long now) throws SQLException {
        JsonBody.only(body, "", UPLOAD_FIELDS);
        final Manifest manifest = Manifest.read(JsonBody.object(body, "manifest", "manifest", true), "manifest");
        final byte[] module = decodeModule(JsonBody.string(body, "module", "module", true));
        final String keyId = JsonBody.string(body, "keyId", "keyId", true);
        final String signature = JsonBody.string(body, "signature", "signature", true);
        return upload(c, manifest, module, keyId, signature, now);
    }

    /** Checks and stores one module version. */
    public Uploaded upload(final Connection c, final Manifest manifest, final byte[] module, final String keyId,
                           final String signature, final long now) throws SQLException {
        checkBytes(module);
        final PublisherKey key = keys.find(c, keyId);
        if (key == null) {
            throw new Refusal(422, "key_unknown", "keyId: no publisher key " + Manifest.clip(keyId));
        }
        if (!key.active()) {
            throw new Refusal(422, "key_revoked", "keyId: " + keyId + " of " + key.publisher() + " is revoked");
        }
        final String sha256 = ModuleSignature.sha256Hex(module);
        final Ed25519Key.Public publicKey = Ed25519Key.Public.of(Base64.getDecoder().decode(key.publicKey()));
        if (!ModuleSignature.verify(publicKey, sha256, manifest.toMap(), signature)) {
            throw new Refusal(422, "signature_invalid", "signature: not " + keyId + "'s signature of the module's "
                    + "SHA-256 " + sha256 + " and its manifest");
        }
        final ModuleVersion existing = find(c, manifest.name(), manifest.version());
        if (existing != null) {
            if (existing.sha256().equals(sha256) && existing.manifest().canonicalJson().equals(manifest
                    .canonicalJson())) {
                return new Uploaded(existing, false);
            }
            throw new Refusal(409, "version_exists", "manifest.version: " + manifest.ref() + " exists with "
                    + (existing.sha256().equals(sha256) ? "another manifest" : "another module, SHA-256 "
                            + existing.sha256()) + "; a version is never replaced, upload a new one");
        }
        if (!hasBytes(c, sha256)) {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO module_bytes (sha256, content) VALUES (?, ?)")) {
                s.setString(1, sha256);
                s.setBytes(2, module);
                s.executeUpdate();
            }
        }
        final ModuleVersion added = new ModuleVersion(manifest, sha256, keyId, signature, module.length, now);
        try (PreparedStatement s = c.prepareStatement("INSERT INTO modules (" + COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            s.setString(1, manifest.name());
            s.setString(2, manifest.version());
            s.setString(3, sha256);
            s.setString(4, manifest.canonicalJson());
            s.setString(5, keyId);
            s.setString(6, signature);
            s.setLong(7, module.length);
            s.setLong(8, now);
            s.executeUpdate();
        }
        return new Uploaded(added, true);
    }

    /** The module version, or null. */
    public ModuleVersion find(final Connection c, final String name, final String version) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS
                + " FROM modules WHERE name = ? AND version = ?")) {
            s.setString(1, name);
            s.setString(2, version);
            final List<ModuleVersion> found = read(s);
            return found.isEmpty() ? null : found.getFirst();
        }
    }

    /** Every module version, by name then upload order. */
    public List<ModuleVersion> list(final Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS
                + " FROM modules ORDER BY name, uploaded_at, version")) {
            return read(s);
        }
    }

    /** The bytes whose SHA-256 is {@code sha256} (lower-case hex), or null. */
    public byte[] bytes(final Connection c, final String sha256) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT content FROM module_bytes WHERE sha256 = ?")) {
            s.setString(1, sha256);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getBytes(1) : null;
            }
        }
    }

    private static boolean hasBytes(final Connection c, final String sha256) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM module_bytes WHERE sha256 = ?")) {
            s.setString(1, sha256);
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        }
    }

    private static List<ModuleVersion> read(final PreparedStatement s) throws SQLException {
        final List<ModuleVersion> found = new ArrayList<>();
        try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
                found.add(new ModuleVersion(Manifest.ofStored(r.getString(4)), r.getString(3), r.getString(5),
                        r.getString(6), r.getLong(7), r.getLong(8)));
            }
        }
        return found;
    }

    private static byte[] decodeModule(final String base64) {
        if (base64.length() > (MAX_MODULE_BYTES + 2) / 3 * 4) {
            throw Refusal.malformed("module", "at most " + MAX_MODULE_BYTES + " bytes (16 MiB)");
        }
        try {
            return Base64.getDecoder().decode(base64);
        } catch (final IllegalArgumentException e) {
            throw Refusal.malformed("module", "not base64: " + e.getMessage());
        }
    }

    private static void checkBytes(final byte[] module) {
        if (module.length > MAX_MODULE_BYTES) {
            throw Refusal.malformed("module", "at most " + MAX_MODULE_BYTES + " bytes (16 MiB), not "
                    + module.length);
        }
        if (module.length < WASM_HEADER.length || !java.util.Arrays.equals(module, 0, WASM_HEADER.length,
                WASM_HEADER, 0, WASM_HEADER.length)) {
            throw Refusal.malformed("module", "not a WebAssembly module (one starts with \\0asm and version 1)");
        }
    }
}
