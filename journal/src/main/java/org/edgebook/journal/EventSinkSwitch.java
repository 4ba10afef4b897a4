package org.edgebook.journal;

import org.edgebook.engine.CancelReason;
import org.edgebook.engine.EventSink;
import org.edgebook.engine.RejectReason;
import org.edgebook.engine.Side;

/**
 * Forwards events to a target that can be changed: recovery points it at {@link EventSink#DISCARD} while it replays
 * the journal, then at the real sink. Single writer (the engine's thread).
 * <p>
 * Written out rather than built on a shared forwarding base class: the deeper call chain of such a base measured
 * about 12% slower on the replay (the engine's calls to its sink are the hot path).
 */
public final class EventSinkSwitch implements EventSink {
    private EventSink target;

    public EventSinkSwitch(final EventSink target) {
        this.target = target;
    }

    public EventSink target() {
        return target;
    }

    public void target(final EventSink target) {
        this.target = target;
    }

    @Override
    public boolean wantsBookChanges() {
        return target.wantsBookChanges();
    }

    @Override
    public void levelChanged(final String symbol, final Side side, final long price, final int priceScale,
                             final long quantity, final int quantityScale) {
        target.levelChanged(symbol, side, price, priceScale, quantity, quantityScale);
    }

    @Override
    public void sequenced(final long seq, final long cmd) {
        target.sequenced(seq, cmd);
    }

    @Override
    public void ok(final long cmd) {
        target.ok(cmd);
    }

    @Override
    public void rejected(final long cmd, final RejectReason reason, final String account, final String clientOrderId,
                         final String detail) {
        target.rejected(cmd, reason, account, clientOrderId, detail);
    }

    @Override
    public void accepted(final long cmd, final String account, final String clientOrderId) {
        target.accepted(cmd, account, clientOrderId);
    }

    @Override
    public void transferred(final long cmd, final String transferId, final String from, final String to,
                            final String asset, final long amount, final int scale) {
        target.transferred(cmd, transferId, from, to, asset, amount, scale);
    }

    @Override
    public void transferRejected(final long cmd, final RejectReason reason, final String transferId,
                                 final String from, final long originalSeq, final String detail) {
        target.transferRejected(cmd, reason, transferId, from, originalSeq, detail);
    }

    @Override
    public void duplicate(final long cmd, final String sender, final long senderSeq, final long mark) {
        target.duplicate(cmd, sender, senderSeq, mark);
    }

    @Override
    public void sequenceGap(final long cmd, final String sender, final long senderSeq, final long expected) {
        target.sequenceGap(cmd, sender, senderSeq, expected);
    }

    @Override
    public void trade(final long cmd, final String symbol, final long price, final int priceScale, final long quantity,
                      final int quantityScale, final String makerAccount, final String makerOrderId,
                      final String takerAccount, final String takerOrderId, final Side takerSide) {
        target.trade(cmd, symbol, price, priceScale, quantity, quantityScale, makerAccount, makerOrderId,
                takerAccount, takerOrderId, takerSide);
    }

    @Override
    public void cancelled(final long cmd, final String account, final String clientOrderId, final long remaining,
                          final int quantityScale, final CancelReason reason) {
        target.cancelled(cmd, account, clientOrderId, remaining, quantityScale, reason);
    }

    @Override
    public void modified(final long cmd, final String account, final String clientOrderId, final long price,
                         final int priceScale, final long quantity, final int quantityScale) {
        target.modified(cmd, account, clientOrderId, price, priceScale, quantity, quantityScale);
    }

    @Override
    public void book(final long cmd, final String symbol, final BookView book) {
        target.book(cmd, symbol, book);
    }

    @Override
    public void orders(final long cmd, final String account, final OrdersView orders) {
        target.orders(cmd, account, orders);
    }

    @Override
    public void balances(final long cmd, final String account, final BalanceView balances) {
        target.balances(cmd, account, balances);
    }
}
