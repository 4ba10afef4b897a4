package org.edgebook.control.modules;

import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.ModuleSignature;

/** A test publisher: a real Ed25519 key pair, and the manifests and signatures it makes. */
final class Publisher {
    final Ed25519Key.Private key;
    final String publicKey;

    private Publisher(final Ed25519Key.Private key) {
        this.key = key;
        this.publicKey = Base64.getEncoder().encodeToString(key.publicRaw());
    }

    static Publisher generate() {
        try {
            return new Publisher(Ed25519Key.Private.of(KeyPairGenerator.getInstance("Ed25519").generateKeyPair()
                    .getPrivate()));
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A manifest of the MEMORY convention with a few limits. */
    static Map<String, Object> manifest(final String name, final String version) {
        final Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("memoryPages", 96L);
        limits.put("deadlineMs", 50L);
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("version", version);
        m.put("convention", "MEMORY");
        m.put("limits", limits);
        return m;
    }

    String sign(final byte[] module, final Map<String, Object> manifest) {
        return ModuleSignature.sign(key, ModuleSignature.sha256Hex(module), manifest);
    }

    /** An endorsement, by this publisher's key, of {@code next}'s key as a key of {@code publisher}. */
    String endorse(final String publisher, final Publisher next) {
        return ModuleSignature.endorse(key, publisher, next.publicKey);
    }

    /** The body of {@code POST /v1/modules}. */
    Map<String, Object> upload(final Map<String, Object> manifest, final byte[] module, final String keyId) {
        return upload(manifest, module, keyId, sign(module, manifest));
    }

    static Map<String, Object> upload(final Map<String, Object> manifest, final byte[] module, final String keyId,
                                      final String signature) {
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("manifest", manifest);
        body.put("module", Base64.getEncoder().encodeToString(module));
        body.put("keyId", keyId);
        body.put("signature", signature);
        return body;
    }

    /** The body of {@code PUT /v1/groups/{name}}. */
    static Map<String, Object> group(final Map<String, Object> selector, final long priority,
                                     final List<Map<String, Object>> routes) {
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("selector", selector);
        body.put("priority", priority);
        body.put("routes", List.copyOf(routes));
        return body;
    }

    static Map<String, Object> route(final String path, final String module, final String version) {
        final Map<String, Object> r = new LinkedHashMap<>();
        r.put("path", path);
        r.put("module", module);
        r.put("version", version);
        return r;
    }
}
