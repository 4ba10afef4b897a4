package org.edgebook.engine;

/** LIMIT orders carry a price; MARKET orders take what the book has. */
public enum OrderType {
    LIMIT,
    MARKET
}
