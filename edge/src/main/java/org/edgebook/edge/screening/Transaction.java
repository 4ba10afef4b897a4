package org.edgebook.edge.screening;

/**
 * A transaction to screen, as the node received it: names and ids as given, amounts as decimal strings (section 5.1
 * of docs/edge-functions.md). Immutable.
 */
public sealed interface Transaction permits Transaction.Transfer, Transaction.Place {
    String account();

    /** A payment of {@code amount} of {@code asset} from {@code account} to {@code to}. */
    record Transfer(String account, String transferId, String asset, String to, String amount)
            implements Transaction {
    }

    /** An order; screened in its instrument's quote asset for its notional {@code price × quantity}. */
    record Place(String account, String clientOrderId, String symbol, String side, String price, String quantity)
            implements Transaction {
    }
}
