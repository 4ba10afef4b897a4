package org.edgebook.engine;

/** A resting order as seen from outside the engine, for inspection, tests and tools. */
public record OpenOrder(String account, String clientOrderId, String symbol, Side side, Decimal price,
                        Decimal remaining, boolean postOnly) {
}
