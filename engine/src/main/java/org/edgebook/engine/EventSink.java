package org.edgebook.engine;

/**
 * Receives the engine's events as they happen, in order, on the engine's thread.
 * <p>
 * Amounts arrive as a count of units and the number of decimal places those units have ({@code price × 10^-priceScale}),
 * so that a sink can encode them without allocating. Implementations must not call back into the engine.
 */
public interface EventSink {

    /** A sink that drops every event. */
    EventSink DISCARD = new EventSinkAdapter() {
    };

    /**
     * A command is about to run: {@code seq} is its sequence number (1, 2, 3… over the engine's whole life, across
     * restarts), {@code cmd} the caller's number for it. Its events, if any, follow.
     */
    default void sequenced(long seq, long cmd) {
    }

    void ok(long cmd);

    /**
     * @param account       the command's account, or {@code null} if it had none.
     * @param clientOrderId the command's clientOrderId, or {@code null} if it had none.
     * @param detail        for MALFORMED, what is wrong; otherwise {@code null}.
     */
    void rejected(long cmd, RejectReason reason, String account, String clientOrderId, String detail);

    void accepted(long cmd, String account, String clientOrderId);

    /** A transfer moved {@code amount × 10^-scale} of {@code asset} from one account's available balance to another's. */
    void transferred(long cmd, String transferId, String from, String to, String asset, long amount, int scale);

    /**
     * A transfer changed nothing.
     *
     * @param originalSeq for DUPLICATE_TRANSFER, the sequence number of the first transfer with this id; else 0.
     * @param detail      for MALFORMED, what is wrong; otherwise {@code null}.
     */
    void transferRejected(long cmd, RejectReason reason, String transferId, String from, long originalSeq,
                          String detail);

    /**
     * A sourced command repeated one its sender had numbered before ({@code senderSeq} at or below {@code mark}):
     * nothing ran (docs/semantics.md, "Sources").
     */
    void duplicate(long cmd, String sender, long senderSeq, long mark);

    /**
     * A sourced command came ahead of its turn: rejected SEQUENCE_GAP, nothing changed; {@code expected} is the
     * sender's mark + 1, the number to resend from.
     */
    void sequenceGap(long cmd, String sender, long senderSeq, long expected);

    void trade(long cmd, String symbol, long price, int priceScale, long quantity, int quantityScale,
               String makerAccount, String makerOrderId, String takerAccount, String takerOrderId, Side takerSide);

    void cancelled(long cmd, String account, String clientOrderId, long remaining, int quantityScale,
                   CancelReason reason);

    /**
     * A modify took effect: the order's price now and its new remaining quantity (the modify named the new total,
     * filled part included; this is what of it is left to trade, before any trades the modify itself causes).
     */
    void modified(long cmd, String account, String clientOrderId, long price, int priceScale, long quantity,
                  int quantityScale);

    /** The view is valid only during this call. */
    void book(long cmd, String symbol, BookView book);

    /** The view is valid only during this call. */
    void balances(long cmd, String account, BalanceView balances);

    /**
     * An account's open orders, the answer to an orders query. The view is valid only during this call. The default
     * drops it: a sink that forwards or encodes events must override this.
     */
    default void orders(final long cmd, final String account, final OrdersView orders) {
    }

    /**
     * Whether this sink wants {@link #levelChanged} calls: asked once per command. Off by default, and then the engine
     * does no tracking at all.
     */
    default boolean wantsBookChanges() {
        return false;
    }

    /**
     * After a command, once for each price level it changed: the level's total quantity now (0: the level is gone).
     * Not an event: replay output does not include it; order book streams are built from it.
     */
    default void levelChanged(final String symbol, final Side side, final long price, final int priceScale,
                              final long quantity, final int quantityScale) {
    }

    /** Open orders, read during {@link #orders}. */
    interface OrdersView {
        int size();

        String clientOrderId(int index);

        String symbol(int index);

        Side side(int index);

        long price(int index);

        int priceScale(int index);

        long remaining(int index);

        int quantityScale(int index);

        boolean postOnly(int index);
    }

    /** Aggregated depth of one market, read during {@link #book}. Index 0 is the best level. */
    interface BookView {
        int priceScale();

        int quantityScale();

        int levels(Side side);

        long price(Side side, int level);

        long quantity(Side side, int level);
    }

    /** One account's balances, read during {@link #balances}, in asset definition order. */
    interface BalanceView {
        int size();

        String asset(int index);

        int scale(int index);

        long available(int index);

        long reserved(int index);
    }
}
