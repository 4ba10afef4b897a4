package org.edgebook.engine;

/** Why an order left the book or did not rest. */
public enum CancelReason {
    /** The owner cancelled it. */
    USER,
    /** IOC or MARKET remainder that found nothing more to trade with. */
    UNFILLED,
    /** A fill-or-kill order that could not fill completely at once. */
    FOK,
    /** A resting order met by an incoming order of the same account. */
    SELF_TRADE
}
