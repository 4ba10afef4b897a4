package org.edgebook.engine;

/** Why a command changed nothing. See docs/semantics.md for the order in which they are checked. */
public enum RejectReason {
    MALFORMED,
    DUPLICATE,
    UNKNOWN_ASSET,
    UNKNOWN_SYMBOL,
    INVALID_INSTRUMENT,
    INVALID_AMOUNT,
    INSUFFICIENT_FUNDS,
    INVALID_ORDER,
    INVALID_PRICE,
    INVALID_QUANTITY,
    DUPLICATE_ORDER_ID,
    WOULD_TAKE,
    UNKNOWN_ORDER,
    DUPLICATE_TRANSFER,
    INVALID_TRANSFER,
    UNKNOWN_ACCOUNT,
    /** A sourced command's sourceSeq is beyond its sender's mark + 1 (docs/semantics.md, "Sources"). */
    SEQUENCE_GAP
}
