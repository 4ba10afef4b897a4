package org.edgebook.fleet;

import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.edgebook.codec.Ed25519Key;
import org.edgebook.codec.ModuleSignature;

/**
 * The publisher keys a node trusts for a desired state (docs/control-plane.md section 6): the keys of its trust file,
 * plus each key the control plane lists that an already trusted key of the same publisher endorsed (followed through
 * chains of rotations), minus every key the control plane lists as revoked. Endorsements checked are remembered, so a
 * wave of nodes checks each once.
 * <p>
 * Threading: thread-safe (the cache is concurrent; {@link #keys} builds a new answer each call).
 */
final class Trust {
    /** A publisher key as the control plane lists it. */
    record Listed(String publisher, String keyId, String publicKey, String state, String endorsedBy,
                  String endorsement) {
    }

    /** The keys trusted for one desired state: key id to key, and why each other listed key is not. */
    record Keys(Map<String, Ed25519Key.Public> trusted, Map<String, String> refused) {
        /** Why {@code keyId} may not sign, or null when it may. */
        String refusal(final String keyId) {
            if (trusted.containsKey(keyId)) {
                return null;
            }
            final String why = refused.get(keyId);
            return why != null ? why : "signature: key " + keyId + " unknown (not in the control plane's publishers)";
        }
    }

    private final Map<String, Set<String>> file;
    private final Map<String, Boolean> endorsements = new ConcurrentHashMap<>();

    Trust(final Map<String, Set<String>> file) {
        this.file = file;
    }

    Keys keys(final List<Listed> listed) {
        final Map<String, Set<String>> trusted = new HashMap<>();
        file.forEach((p, keys) -> trusted.put(p, new HashSet<>(keys)));
        final Set<String> revoked = new HashSet<>();
        for (final Listed l : listed) {
            if ("revoked".equals(l.state())) {
                revoked.add(l.publisher() + " " + l.publicKey());
            }
        }
        boolean grew = true;
        while (grew) {
            grew = false;
            for (final Listed l : listed) {
                final Set<String> mine = trusted.computeIfAbsent(l.publisher(), k -> new HashSet<>());
                if (mine.contains(l.publicKey()) || l.endorsedBy() == null || l.endorsement() == null) {
                    continue;
                }
                for (final Listed endorser : listed) {
                    if (endorser.keyId().equals(l.endorsedBy()) && endorser.publisher().equals(l.publisher())
                            && mine.contains(endorser.publicKey())
                            && !revoked.contains(endorser.publisher() + " " + endorser.publicKey())
                            && endorsed(endorser, l)) {
                        mine.add(l.publicKey());
                        grew = true;
                        break;
                    }
                }
            }
        }
        final Map<String, Ed25519Key.Public> keys = new HashMap<>();
        final Map<String, String> refused = new HashMap<>();
        for (final Listed l : listed) {
            if (revoked.contains(l.publisher() + " " + l.publicKey())) {
                refused.put(l.keyId(), "signature: key " + l.keyId() + " of " + l.publisher() + " is revoked");
            } else if (!trusted.getOrDefault(l.publisher(), Set.of()).contains(l.publicKey())) {
                refused.put(l.keyId(), "signature: untrusted key " + l.keyId());
            } else {
                try {
                    keys.put(l.keyId(), Ed25519Key.Public.of(Base64.getDecoder().decode(l.publicKey())));
                } catch (final IllegalArgumentException e) {
                    refused.put(l.keyId(), "signature: key " + l.keyId() + " is not an Ed25519 key: "
                            + e.getMessage());
                }
            }
        }
        return new Keys(keys, refused);
    }

    private boolean endorsed(final Listed endorser, final Listed key) {
        return endorsements.computeIfAbsent(endorser.publicKey() + " " + key.publisher() + " " + key.publicKey() + " "
                + key.endorsement(), k -> {
                    try {
                        return ModuleSignature.verifyEndorsement(Ed25519Key.Public.of(Base64.getDecoder().decode(
                                endorser.publicKey())), key.publisher(), key.publicKey(), key.endorsement());
                    } catch (final IllegalArgumentException e) {
                        return false;
                    }
                });
    }
}
