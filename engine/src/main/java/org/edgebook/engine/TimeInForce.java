package org.edgebook.engine;

/** How long an order's remainder lives: rest (GTC), cancel at once (IOC), or fill completely or not at all (FOK). */
public enum TimeInForce {
    GTC,
    IOC,
    FOK
}
