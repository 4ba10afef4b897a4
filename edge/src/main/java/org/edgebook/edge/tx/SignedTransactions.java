package org.edgebook.edge.tx;

import java.util.Map;
import org.edgebook.codec.CanonicalJson;
import org.edgebook.codec.ClientSignatureCheck;
import org.edgebook.codec.CommandDecoder;
import org.edgebook.codec.TransactionSignature;
import org.edgebook.edge.screening.Transaction;
import org.edgebook.engine.Command;
import org.edgebook.engine.OrderType;

/**
 * The edge node's check of a client's signed transaction (docs/transaction-path.md, docs/signing.md), before it is
 * screened: a JSON object, a transfer or a limit place, with no {@code source} of its own, signed by a client key the
 * node has from settlement ({@link ClientKeys}), not revoked, over exactly what was received, with {@code signedAt}
 * at most the maximum age old and at most the clock window ahead, by a key of the transaction's own account, and a
 * command settlement's decoder reads without a fault, with every field the command needs. These are the checks
 * settlement makes again when the node forwards it, so a forgery stops here (401) and never costs settlement
 * anything.
 * <p>
 * What passes is the transaction's id ({@code transfer:TRANSFER_ID@ACCOUNT} or {@code order:CLIENT_ORDER_ID@ACCOUNT}:
 * ids are the account's own, as at settlement, and {@code @} is in no name, so an id names one transaction of one
 * account), its account, its canonical
 * JSON with its signature (what the outbox keeps and the forwarder sends: settlement verifies the canonical form, so
 * the node's re-encoding changes nothing it checks), and its form for the screening function.
 * <p>
 * Threading: thread-safe (one decoder per thread; the keys are a concurrent map).
 */
public final class SignedTransactions {
    private static final ThreadLocal<CommandDecoder> DECODERS = ThreadLocal.withInitial(CommandDecoder::new);

    private final ClientSignatureCheck check;

    public SignedTransactions(final ClientKeys keys, final long maxAgeMillis, final long clockWindowMillis) {
        this.check = new ClientSignatureCheck(keyId -> {
            final ClientKeys.Entry key = keys.get(keyId);
            return key == null ? null : new ClientSignatureCheck.Key(key.account(), key.key(), key.revoked());
        }, maxAgeMillis, clockWindowMillis, ClientSignatureCheck.Receiver.EDGE_NODE);
    }

    /** A transaction that passed: its id, account, bytes to keep, and its form for screening. */
    public record Verified(String id, String account, byte[] tx, Transaction screening) {
    }

    /** The outcome: {@code verified} or a refusal ({@code status} 400 or 401, {@code error}, {@code detail}). */
    public record Checked(Verified verified, int status, String error, String detail) {
        public boolean refused() {
            return verified == null;
        }
    }

    /** Checks one transaction, {@code bytes[offset, offset + length)}, at {@code nowMillis}. */
    public Checked check(final byte[] bytes, final int offset, final int length, final long nowMillis) {
        final Map<String, Object> tx;
        try {
            tx = CanonicalJson.parseObject(bytes, offset, length);
        } catch (final IllegalArgumentException e) {
            return refused(400, "MALFORMED", "the transaction is not a JSON object as signed transactions are written: "
                    + e.getMessage());
        }
        final Object type = tx.get("type");
        if (!"transfer".equals(type) && !"place".equals(type)) {
            return refused(400, "MALFORMED", "an edge node takes signed transfers and places; type is "
                    + (type instanceof String s ? "\"" + s + "\"" : "missing or not a string"));
        }
        if (tx.containsKey("source") || tx.containsKey("sourceSeq")) {
            return refused(400, "MALFORMED", "a transaction sent to an edge node carries no source or sourceSeq: the "
                    + "node numbers what it forwards under its own source");
        }
        final Object signature = tx.get(TransactionSignature.SIGNATURE);
        if (signature == null) {
            return refused(401, "unsigned", "an edge node takes only transactions signed with a client key "
                    + "(docs/signing.md)");
        }
        final ClientSignatureCheck.Verdict verdict = check.check(tx, nowMillis);
        if (verdict.refused()) {
            return refused(verdict.status(), verdict.error(), verdict.detail());
        }
        final Form form = form(tx);
        if (form.detail() != null) {
            return refused(400, "MALFORMED", form.detail());
        }
        if (!verdict.signer().equals(form.account())) {
            return refused(401, "wrong account", "it is signed with a client key of account " + verdict.signer()
                    + "; this transaction is account " + form.account() + "'s");
        }
        return new Checked(new Verified(form.id(), form.account(), CanonicalJson.bytes(tx), form.screening()), 200,
                null, null);
    }

    /** A transaction's id, account and screening form, or what is wrong with it ({@code detail}). */
    private record Form(String id, String account, Transaction screening, String detail) {
    }

    /**
     * The screening form of a transaction this class passed before ({@link Verified#tx}, kept in the outbox): for a
     * held transaction that an operator releases, so that the account's activity counts it.
     */
    public static Transaction screeningForm(final byte[] tx) {
        final Form form = form(CanonicalJson.parseObject(tx, 0, tx.length));
        if (form.detail() != null) {
            throw new IllegalArgumentException(form.detail());
        }
        return form.screening();
    }

    private static Form form(final Map<String, Object> tx) {
        final Map<String, Object> plain = new java.util.LinkedHashMap<>(tx);
        plain.remove(TransactionSignature.SIGNATURE);
        plain.remove(TransactionSignature.SIGNED_AT);
        final byte[] plainBytes = CanonicalJson.bytes(plain);
        switch (DECODERS.get().decode(plainBytes, 0, plainBytes.length)) {
            case Command.Malformed m -> {
                return new Form(null, null, null, m.detail());
            }
            case Command.Transfer t -> {
                final String missing = missing(tx, "transferId", "from", "to", "asset", "amount");
                if (missing != null) {
                    return new Form(null, null, null, missing + " is required in a transfer");
                }
                return new Form("transfer:" + t.transferId() + "@" + t.from(), t.from(), new Transaction.Transfer(t
                        .from(), t
                                .transferId(), t.asset(), t.to(), t.amount().toString()), null);
            }
            case Command.Place p -> {
                final String missing = missing(tx, "account", "clientOrderId", "symbol", "side", "quantity");
                if (missing != null) {
                    return new Form(null, null, null, missing + " is required in a place");
                }
                if (p.orderType() != OrderType.LIMIT || p.price() == null) {
                    return new Form(null, null, null, "an edge node takes limit orders only: a market order has "
                            + "no price to screen its notional by");
                }
                return new Form("order:" + p.clientOrderId() + "@" + p.account(), p.account(),
                        new Transaction.Place(p.account(), p.clientOrderId(), p.symbol(), p.side().name(), p.price()
                                .toString(), p.quantity().toString()), null);
            }
            default -> {
                return new Form(null, null, null, "an edge node takes signed transfers and places");
            }
        }
    }

    private static String missing(final Map<String, Object> tx, final String... fields) {
        for (final String f : fields) {
            if (tx.get(f) == null) {
                return f;
            }
        }
        return null;
    }

    private static Checked refused(final int status, final String error, final String detail) {
        return new Checked(null, status, error, detail);
    }
}
