package org.edgebook.server;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.LongSupplier;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.ClientSignatureCheck;
import org.edgebook.codec.TransactionSignature;

/**
 * The check of a client's signature on a command (docs/signing.md), the same on every transport: HTTP
 * ({@code POST /v1/transfers}, {@code POST /v1/orders}), {@code /v1/batch} lines and WebSocket commands. A command
 * without a {@code signature} member passes as it is. A signed one passes only if its key is registered and not revoked,
 * its signature verifies over the canonical form of exactly what was received, and its {@code signedAt} is at most
 * the maximum age old and at most the clock window ahead; it then passes as the canonical JSON without
 * {@code signature} and {@code signedAt} (what the decoder reads), with the signing account, which
 * {@link AccountScope#of(ApiKey, org.edgebook.engine.Command, String)} makes the command's authority. Otherwise it is
 * refused: 400 for a signature that is not shaped as one, 401 with the reason (unknown key, revoked key, bad signature,
 * too old, signed in the future); nothing is submitted. {@link ForwardRoute} checks a node's forwarded transactions
 * here too, and runs one refused as MALFORMED instead.
 * <p>
 * Verification is the codec's {@link org.edgebook.codec.Ed25519Key.Public} (BouncyCastle's RFC 8032 code, about 7x
 * the JDK's speed), each key's point decoded once, when the key store loads or registers it
 * ({@link ClientSigningKey}).
 * <p>
 * Threading: thread-safe (the key store's lookups are).
 */
final class SignedCommands {
    private static final byte[] MARK = "\"signature\"".getBytes(StandardCharsets.US_ASCII);

    private final ClientSignatureCheck check;
    private final LongSupplier clock;

    SignedCommands(final KeyStore keys, final long clockWindowMillis, final long maxAgeMillis,
                   final LongSupplier clock) {
        this.check = new ClientSignatureCheck(keyId -> {
            final ClientSigningKey key = keys.findClientKey(keyId);
            return key == null ? null : new ClientSignatureCheck.Key(key.account(), key.key(), key.revoked());
        }, maxAgeMillis, clockWindowMillis, ClientSignatureCheck.Receiver.SETTLEMENT);
        this.clock = clock;
    }

    /**
     * What to decode, and for whom: the bytes as given with no signer (an unsigned command, or one the decoder will
     * find malformed), the verified command with its signer, or a refusal ({@code status} not 200).
     */
    record Checked(byte[] bytes, int offset, int length, String signer, int status, String error, String detail) {
        boolean refused() {
            return status != 200;
        }
    }

    Checked check(final byte[] bytes, final int offset, final int length) {
        if (!contains(bytes, offset, length)) {
            return new Checked(bytes, offset, length, null, 200, null, null);
        }
        final Map<String, Object> command;
        try {
            command = CanonicalJson.parseObject(bytes, offset, length);
        } catch (final IllegalArgumentException e) {
            if (e.getMessage().startsWith("'")) { // a number a signed command cannot hold
                return refused(400, "MALFORMED", e.getMessage());
            }
            return new Checked(bytes, offset, length, null, 200, null, null); // the decoder says what is wrong
        }
        if (command.get(TransactionSignature.SIGNATURE) == null) {
            return new Checked(bytes, offset, length, null, 200, null, null); // "signature" was text in a value
        }
        final ClientSignatureCheck.Verdict verdict = check.check(command, clock.getAsLong());
        if (verdict.refused()) {
            return refused(verdict.status(), verdict.error(), verdict.detail());
        }
        command.remove(TransactionSignature.SIGNATURE);
        command.remove(TransactionSignature.SIGNED_AT);
        final byte[] plain = CanonicalJson.bytes(command);
        return new Checked(plain, 0, plain.length, verdict.signer(), 200, null, null);
    }

    private static Checked refused(final int status, final String error, final String detail) {
        return new Checked(null, 0, 0, null, status, error, detail);
    }

    private static boolean contains(final byte[] bytes, final int offset, final int length) {
        outer: for (int i = offset; i <= offset + length - MARK.length; i++) {
            for (int j = 0; j < MARK.length; j++) {
                if (bytes[i + j] != MARK[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
