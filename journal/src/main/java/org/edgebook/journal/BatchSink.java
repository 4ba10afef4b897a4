package org.edgebook.journal;

import org.edgebook.codec.JsonEventWriter;
import org.edgebook.engine.CancelReason;
import org.edgebook.engine.EventCollector;
import org.edgebook.engine.EventSink;
import org.edgebook.engine.RejectReason;
import org.edgebook.engine.Side;

/**
 * Where the sequencer's engine sends each command's events: JSON into the open batch, typed values to a collector
 * when the output wants them, and the reason of a rejection when it is the command's first event (what decides a
 * reply's status). Single writer: the engine thread. Written out rather than built on a forwarding base (see
 * {@link EventSinkSwitch}).
 */
final class BatchSink implements EventSink {
    private final JsonEventWriter json;
    private final EventCollector collector;
    private boolean first;
    private RejectReason rejection;
    private boolean duplicate;

    BatchSink(final JsonEventWriter json, final EventCollector collector) {
        this.json = json;
        this.collector = collector;
    }

    /** Before each command. */
    void next() {
        first = true;
        rejection = null;
        duplicate = false;
    }

    /** Whether the command repeated a sourced command already executed (its one event is {@code duplicate}). */
    boolean duplicate() {
        return duplicate;
    }

    /** Why the command was rejected, if its first event says so; else {@code null}. */
    RejectReason rejection() {
        return rejection;
    }

    private void event(final RejectReason reason) {
        if (first) {
            first = false;
            rejection = reason;
        }
    }

    @Override
    public boolean wantsBookChanges() {
        return collector != null;
    }

    @Override
    public void levelChanged(final String symbol, final Side side, final long price, final int priceScale,
                             final long quantity, final int quantityScale) {
        if (collector != null) {
            collector.levelChanged(symbol, side, price, priceScale, quantity, quantityScale);
        }
    }

    @Override
    public void sequenced(final long seq, final long cmd) {
        json.sequenced(seq, cmd);
    }

    @Override
    public void ok(final long cmd) {
        event(null);
        json.ok(cmd);
        if (collector != null) {
            collector.ok(cmd);
        }
    }

    @Override
    public void rejected(final long cmd, final RejectReason reason, final String account, final String clientOrderId,
                         final String detail) {
        event(reason);
        json.rejected(cmd, reason, account, clientOrderId, detail);
        if (collector != null) {
            collector.rejected(cmd, reason, account, clientOrderId, detail);
        }
    }

    @Override
    public void accepted(final long cmd, final String account, final String clientOrderId) {
        event(null);
        json.accepted(cmd, account, clientOrderId);
        if (collector != null) {
            collector.accepted(cmd, account, clientOrderId);
        }
    }

    @Override
    public void transferred(final long cmd, final String transferId, final String from, final String to,
                            final String asset, final long amount, final int scale) {
        event(null);
        json.transferred(cmd, transferId, from, to, asset, amount, scale);
        if (collector != null) {
            collector.transferred(cmd, transferId, from, to, asset, amount, scale);
        }
    }

    @Override
    public void transferRejected(final long cmd, final RejectReason reason, final String transferId,
                                 final String from, final long originalSeq, final String detail) {
        event(reason);
        json.transferRejected(cmd, reason, transferId, from, originalSeq, detail);
        if (collector != null) {
            collector.transferRejected(cmd, reason, transferId, from, originalSeq, detail);
        }
    }

    @Override
    public void duplicate(final long cmd, final String sender, final long senderSeq, final long mark) {
        if (first) {
            duplicate = true;
        }
        event(null);
        json.duplicate(cmd, sender, senderSeq, mark);
        if (collector != null) {
            collector.duplicate(cmd, sender, senderSeq, mark);
        }
    }

    @Override
    public void sequenceGap(final long cmd, final String sender, final long senderSeq, final long expected) {
        event(RejectReason.SEQUENCE_GAP);
        json.sequenceGap(cmd, sender, senderSeq, expected);
        if (collector != null) {
            collector.sequenceGap(cmd, sender, senderSeq, expected);
        }
    }

    @Override
    public void trade(final long cmd, final String symbol, final long price, final int priceScale,
                      final long quantity, final int quantityScale, final String makerAccount,
                      final String makerOrderId, final String takerAccount, final String takerOrderId,
                      final Side takerSide) {
        event(null);
        json.trade(cmd, symbol, price, priceScale, quantity, quantityScale, makerAccount, makerOrderId, takerAccount,
                takerOrderId, takerSide);
        if (collector != null) {
            collector.trade(cmd, symbol, price, priceScale, quantity, quantityScale, makerAccount, makerOrderId,
                    takerAccount, takerOrderId, takerSide);
        }
    }

    @Override
    public void cancelled(final long cmd, final String account, final String clientOrderId, final long remaining,
                          final int quantityScale, final CancelReason reason) {
        event(null);
        json.cancelled(cmd, account, clientOrderId, remaining, quantityScale, reason);
        if (collector != null) {
            collector.cancelled(cmd, account, clientOrderId, remaining, quantityScale, reason);
        }
    }

    @Override
    public void modified(final long cmd, final String account, final String clientOrderId, final long price,
                         final int priceScale, final long quantity, final int quantityScale) {
        event(null);
        json.modified(cmd, account, clientOrderId, price, priceScale, quantity, quantityScale);
        if (collector != null) {
            collector.modified(cmd, account, clientOrderId, price, priceScale, quantity, quantityScale);
        }
    }

    @Override
    public void book(final long cmd, final String symbol, final BookView book) {
        event(null);
        json.book(cmd, symbol, book);
        if (collector != null) {
            collector.book(cmd, symbol, book);
        }
    }

    @Override
    public void balances(final long cmd, final String account, final BalanceView balances) {
        event(null);
        json.balances(cmd, account, balances);
        if (collector != null) {
            collector.balances(cmd, account, balances);
        }
    }

    @Override
    public void orders(final long cmd, final String account, final OrdersView orders) {
        event(null);
        json.orders(cmd, account, orders);
        if (collector != null) {
            collector.orders(cmd, account, orders);
        }
    }
}
