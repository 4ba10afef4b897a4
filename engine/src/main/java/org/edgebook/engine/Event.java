package org.edgebook.engine;

import java.util.List;
import java.util.Map;

/**
 * An event from the engine, as a typed value. {@code cmd} is the number of the command that caused it.
 * Built by {@link EventCollector} from the engine's {@link EventSink} callbacks.
 */
public sealed interface Event {

    long cmd();

    /** An asset, instrument, deposit or withdrawal took effect. */
    record Ok(long cmd) implements Event {
    }

    /**
     * The command changed nothing.
     *
     * @param account       the command's account (a transfer's sending account), if it had one.
     * @param clientOrderId the command's clientOrderId, if it had one.
     * @param detail        for MALFORMED, what is wrong; otherwise {@code null}.
     * @param transferId    a transfer's id, if it had one.
     * @param originalSeq   for DUPLICATE_TRANSFER, the sequence number of the first transfer with that id; else 0.
     */
    record Rejected(long cmd, RejectReason reason, String account, String clientOrderId, String detail,
                    String transferId, long originalSeq) implements Event {

        /** A rejection of anything but a transfer. */
        public Rejected(final long cmd, final RejectReason reason, final String account, final String clientOrderId,
                        final String detail) {
            this(cmd, reason, account, clientOrderId, detail, null, 0);
        }
    }

    /**
     * A sourced command repeated one already executed: its {@code senderSeq} is at or below the sender's mark. Nothing
     * ran; the original answer is the service's to give (docs/semantics.md, "Sources").
     */
    record Duplicate(long cmd, String sender, long senderSeq, long mark) implements Event {
    }

    /**
     * A sourced command came ahead of its turn ({@code senderSeq} > mark + 1): rejected SEQUENCE_GAP, nothing changed;
     * the sender resends from {@code expected}.
     */
    record SequenceGap(long cmd, String sender, long senderSeq, long expected) implements Event {
        public RejectReason reason() {
            return RejectReason.SEQUENCE_GAP;
        }
    }

    /** Funds moved between two accounts' available balances. */
    record Transferred(long cmd, String transferId, String from, String to, String asset, Decimal amount)
            implements Event {
    }

    record Accepted(long cmd, String account, String clientOrderId) implements Event {
    }

    record Trade(long cmd, String symbol, Decimal price, Decimal quantity, String makerAccount, String makerOrderId,
                 String takerAccount, String takerOrderId, Side takerSide) implements Event {
    }

    record Cancelled(long cmd, String account, String clientOrderId, Decimal remaining, CancelReason reason)
            implements Event {
    }

    /** An order's new price and remaining quantity (a modify names the new total; this is what of it is left). */
    record Modified(long cmd, String account, String clientOrderId, Decimal price, Decimal quantity)
            implements Event {
    }

    /** One aggregated price level. */
    record Level(Decimal price, Decimal quantity) {
    }

    /** Aggregated depth, best level first on each side. */
    record Book(long cmd, String symbol, List<Level> bids, List<Level> asks) implements Event {
    }

    /** An account's open orders: markets in definition order, bids best first then asks, oldest first. */
    record Orders(long cmd, String account, List<OpenOrder> orders) implements Event {
    }

    record Balance(Decimal available, Decimal reserved) {
    }

    /** Balances by asset, in the order the assets were defined. */
    record Balances(long cmd, String account, Map<String, Balance> balances) implements Event {
    }
}
