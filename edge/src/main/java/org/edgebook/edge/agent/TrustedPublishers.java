package org.edgebook.edge.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.ModuleSignature;

/**
 * The publisher keys a node trusts (docs/control-plane.md section 6): the keys of its trust file ({@code --trust FILE},
 * lines {@code publisher base64-key}, {@code #} comments), plus each key the control plane lists that an already
 * trusted key of the same publisher endorsed ({@link ModuleSignature#verifyEndorsement}; so a chain of rotations is
 * followed), minus every key the control plane lists as revoked.
 * <p>
 * A revoked key still counts as the endorser of the keys it endorsed while it was active: a publisher rotates by
 * endorsing a new key and then revoking the old one, and a node whose trust file holds only the old key must trust
 * the new one. It never verifies a module itself.
 * <p>
 * Threading: immutable (so is each {@link Trust}); any thread may call.
 */
public final class TrustedPublishers {
    private static final Pattern PUBLISHER = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** A key the control plane lists ({@code GET /v1/node/desired}'s {@code publishers}). */
    public record ListedKey(String publisher, String keyId, String publicKey, boolean revoked, String endorsedBy,
                            String endorsement) {
    }

    /** The trust for one desired state: each listed key id and the trusted key behind it, or why it is not. */
    public static final class Trust {
        private final Map<String, Ed25519Key.Public> trusted;
        private final Map<String, String> refused;

        private Trust(final Map<String, Ed25519Key.Public> trusted, final Map<String, String> refused) {
            this.trusted = trusted;
            this.refused = refused;
        }

        /** Whether key {@code keyId} is trusted. */
        public boolean trusts(final String keyId) {
            return trusted.containsKey(keyId);
        }

        /**
         * Null when {@code signature} is a trusted key's signature of the module; else the reason, starting
         * {@code signature:} ({@code unsigned}, {@code unknown key pk-9}, {@code untrusted key pk-9},
         * {@code revoked key pk-9}, {@code does not verify with key pk-1}).
         */
        public String refusal(final String keyId, final String sha256Hex, final Map<String, Object> manifest,
                              final String signature) {
            if (keyId == null || keyId.isEmpty() || signature == null || signature.isEmpty()) {
                return "signature: unsigned (no keyId or signature)";
            }
            final Ed25519Key.Public key = trusted.get(keyId);
            if (key == null) {
                return "signature: " + refused.getOrDefault(keyId, "unknown key " + keyId
                        + " (the control plane does not list it)");
            }
            if (!ModuleSignature.verify(key, sha256Hex, manifest, signature)) {
                return "signature: does not verify with key " + keyId + " (the bytes or the manifest differ from "
                        + "what was signed)";
            }
            return null;
        }
    }

    private final Map<String, Set<Ed25519Key.Public>> roots;

    private TrustedPublishers(final Map<String, Set<Ed25519Key.Public>> roots) {
        this.roots = roots;
    }

    /** The trust of {@code roots} (publisher to its keys), as a trust file would give. */
    public static TrustedPublishers of(final Map<String, List<Ed25519Key.Public>> roots) {
        final Map<String, Set<Ed25519Key.Public>> copy = new HashMap<>();
        roots.forEach((publisher, keys) -> copy.put(publisher, Set.copyOf(keys)));
        return new TrustedPublishers(Map.copyOf(copy));
    }

    /** Reads a trust file; a mistake is refused naming the file, the line and what is wrong. */
    public static TrustedPublishers read(final Path file) throws IOException {
        final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        final Map<String, Set<Ed25519Key.Public>> roots = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            final String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            final String where = "trust file " + file + " line " + (i + 1) + ": ";
            final String[] parts = line.split("\\s+");
            if (parts.length != 2) {
                throw new IOException(where + "expected 'publisher base64-key', found " + parts.length + " fields");
            }
            if (!PUBLISHER.matcher(parts[0]).matches()) {
                throw new IOException(where + "a publisher is 1 to 64 of A-Z a-z 0-9 . _ -, not '" + parts[0] + "'");
            }
            final Ed25519Key.Public key;
            try {
                key = Ed25519Key.Public.of(Base64.getDecoder().decode(parts[1]));
            } catch (final IllegalArgumentException e) {
                throw new IOException(where + "the key of " + parts[0] + " is not an Ed25519 public key in base64 "
                        + "(32 bytes): " + e.getMessage(), e);
            }
            roots.computeIfAbsent(parts[0], p -> new HashSet<>()).add(key);
        }
        if (roots.isEmpty()) {
            throw new IOException("trust file " + file + ": no keys (lines 'publisher base64-key'); a node that "
                    + "trusts no publisher refuses every module");
        }
        final Map<String, Set<Ed25519Key.Public>> frozen = new HashMap<>();
        roots.forEach((p, keys) -> frozen.put(p, Set.copyOf(keys)));
        return new TrustedPublishers(Map.copyOf(frozen));
    }

    /** How many keys the trust file holds. */
    public int rootKeys() {
        return roots.values().stream().mapToInt(Set::size).sum();
    }

    /** The trust for the keys the control plane lists now. */
    public Trust with(final List<ListedKey> listed) {
        // Decode each listed key once; a key that does not decode is refused by name.
        final Map<String, ListedKey> byId = new LinkedHashMap<>();
        final Map<String, Ed25519Key.Public> keys = new HashMap<>();
        final Map<String, String> refused = new HashMap<>();
        final Set<Ed25519Key.Public> revoked = new HashSet<>();
        for (final ListedKey k : listed) {
            byId.put(k.keyId(), k);
            try {
                final Ed25519Key.Public key = Ed25519Key.Public.of(Base64.getDecoder().decode(k.publicKey()));
                keys.put(k.keyId(), key);
                if (k.revoked()) {
                    revoked.add(key);
                }
            } catch (final IllegalArgumentException | NullPointerException e) {
                refused.put(k.keyId(), "untrusted key " + k.keyId() + " (its publicKey is not an Ed25519 key)");
            }
        }
        // Trusted per publisher, revoked keys included as endorsers: the roots, then what they endorse, to a fixpoint.
        final Map<String, Set<Ed25519Key.Public>> endorsers = new HashMap<>();
        roots.forEach((p, set) -> endorsers.put(p, new HashSet<>(set)));
        boolean grew = true;
        while (grew) {
            grew = false;
            for (final ListedKey k : byId.values()) {
                final Ed25519Key.Public key = keys.get(k.keyId());
                final Set<Ed25519Key.Public> publisherKeys = endorsers.get(k.publisher());
                if (key == null || publisherKeys == null || publisherKeys.contains(key)) {
                    continue;
                }
                final ListedKey endorser = k.endorsedBy() == null ? null : byId.get(k.endorsedBy());
                final Ed25519Key.Public endorserKey = endorser == null ? null : keys.get(endorser.keyId());
                if (endorserKey != null && k.publisher().equals(endorser.publisher())
                        && publisherKeys.contains(endorserKey) && ModuleSignature.verifyEndorsement(endorserKey, k
                                .publisher(), k.publicKey(), k.endorsement())) {
                    publisherKeys.add(key);
                    grew = true;
                }
            }
        }
        final Map<String, Ed25519Key.Public> trusted = new HashMap<>();
        for (final ListedKey k : byId.values()) {
            final Ed25519Key.Public key = keys.get(k.keyId());
            if (key == null) {
                continue;
            }
            final Set<Ed25519Key.Public> publisherKeys = endorsers.get(k.publisher());
            if (revoked.contains(key)) {
                refused.put(k.keyId(), "revoked key " + k.keyId() + " of " + k.publisher());
            } else if (publisherKeys != null && publisherKeys.contains(key)) {
                trusted.put(k.keyId(), key);
            } else {
                refused.put(k.keyId(), "untrusted key " + k.keyId() + " of " + k.publisher() + " (not in the trust "
                        + "file, nor endorsed by a trusted key of " + k.publisher() + ")");
            }
        }
        return new Trust(Map.copyOf(trusted), Map.copyOf(refused));
    }
}
