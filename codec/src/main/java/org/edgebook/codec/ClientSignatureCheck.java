package org.edgebook.codec;

import java.util.Base64;
import java.util.Map;

/**
 * The rules for a client's signature on a command (docs/signing.md), in one place for every receiver: settlement (on
 * every transport and on {@code POST /v1/forward}) and the edge node ({@code POST /v1/tx}). A signed command passes
 * only if its {@code signature} is shaped as one, it has a {@code signedAt}, its key is known to the receiver and not
 * revoked, the signature verifies over the canonical form of the command as received, and {@code signedAt} is at most
 * the maximum age old and at most the clock window ahead. Otherwise it is refused: 400 {@code MALFORMED} for a shape
 * that is not a signature's, 401 with the reason ({@code unknown key}, {@code revoked key}, {@code bad signature},
 * {@code too old}, {@code signed in the future}) and a detail that says what and by how much.
 * <p>
 * Immutable and thread-safe when its {@link Keys} are.
 */
public final class ClientSignatureCheck {
    /** A client key as the receiver knows it. */
    public record Key(String account, Ed25519Key.Public key, boolean revoked) {
    }

    /** Where the receiver looks keys up: null for a key it does not know. */
    @FunctionalInterface
    public interface Keys {
        Key find(String keyId);
    }

    /** The verdict: the signing account, or a refusal ({@code status} 400 or 401). */
    public record Verdict(String signer, int status, String error, String detail) {
        public boolean refused() {
            return signer == null;
        }
    }

    /** Who checks, as its refusals say it: its name, the command that sets its maximum age, where its keys are. */
    public enum Receiver {
        SETTLEMENT("the server", "up", ""),
        EDGE_NODE("the node", "edge", "; as the node last fetched them");

        private final String name;
        private final String command;
        private final String keysFrom;

        Receiver(final String name, final String command, final String keysFrom) {
            this.name = name;
            this.command = command;
            this.keysFrom = keysFrom;
        }
    }

    private final Keys keys;
    private final long maxAgeMillis;
    private final long clockWindowMillis;
    private final Receiver receiver;

    public ClientSignatureCheck(final Keys keys, final long maxAgeMillis, final long clockWindowMillis,
                                final Receiver receiver) {
        this.keys = keys;
        this.maxAgeMillis = maxAgeMillis;
        this.clockWindowMillis = clockWindowMillis;
        this.receiver = receiver;
    }

    /** Checks the signature of {@code command} (parsed by {@link CanonicalJson}, with a {@code signature}). */
    public Verdict check(final Map<String, Object> command, final long nowMillis) {
        final Object signature = command.get(TransactionSignature.SIGNATURE);
        if (!(signature instanceof Map<?, ?> sig) || sig.size() != 2 || !(sig.get("keyId") instanceof String keyId)
                || !(sig.get("sig") instanceof String sigText)) {
            return refused(400, "MALFORMED", "signature is {\"keyId\":\"ck-…\",\"sig\":\"<base64>\"} and nothing "
                    + "else");
        }
        if (!(command.get(TransactionSignature.SIGNED_AT) instanceof Long signedAt)) {
            return refused(400, "MALFORMED", "signedAt is required in a signed command: the signing time, "
                    + "milliseconds since the epoch");
        }
        final Key key = keys.find(keyId);
        if (key == null) {
            return refused(401, "unknown key", "no client key " + keyId + " is registered (POST /v1/admin/keys at "
                    + "settlement" + receiver.keysFrom + ")");
        }
        if (key.revoked()) {
            return refused(401, "revoked key", "client key " + keyId + " was revoked");
        }
        final byte[] sigBytes;
        try {
            sigBytes = Base64.getDecoder().decode(sigText);
        } catch (final IllegalArgumentException e) {
            return refused(401, "bad signature", "signature.sig is not base64");
        }
        if (!key.key().verify(TransactionSignature.signedBytes(command), sigBytes)) {
            return refused(401, "bad signature", "the signature of key " + keyId + " does not verify over the "
                    + "command received (docs/signing.md: the canonical form)");
        }
        if (nowMillis - signedAt > maxAgeMillis) {
            return refused(401, "too old", "signed at " + signedAt + ", " + (nowMillis - signedAt) + " ms ago; a "
                    + "signed command is taken up to " + maxAgeMillis + " ms after signedAt (" + receiver.command
                    + " --signed-max-age)");
        }
        if (signedAt - nowMillis > clockWindowMillis) {
            return refused(401, "signed in the future", "signedAt " + signedAt + " is " + (signedAt - nowMillis)
                    + " ms ahead of " + receiver.name + "'s clock; at most " + clockWindowMillis
                    + " ms is taken (the clock "
                    + "window)");
        }
        return new Verdict(key.account(), 200, null, null);
    }

    private static Verdict refused(final int status, final String error, final String detail) {
        return new Verdict(null, status, error, detail);
    }
}
