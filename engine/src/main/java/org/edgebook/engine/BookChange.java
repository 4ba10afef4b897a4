package org.edgebook.engine;

/** A price level's total quantity after a command; zero means the level is gone. For order book streams. */
public record BookChange(String symbol, Side side, Decimal price, Decimal quantity) {
}
