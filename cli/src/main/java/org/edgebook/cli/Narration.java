package org.edgebook.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.edgebook.engine.Command;
import org.edgebook.engine.Decimal;
import org.edgebook.engine.Event;
import org.edgebook.engine.OrderType;

/** Turns commands and events into short sentences for people. */
final class Narration {
    private Narration() {
    }

    static String command(final Command command) {
        return switch (command) {
            case Command.DefineAsset c -> "define asset " + c.asset() + " with " + c.scale() + " decimals";
            case Command.DefineInstrument c -> "define market " + c.symbol() + " (" + c.base() + " in " + c.quote()
                    + "), tick " + c.tickSize() + ", lot " + c.lotSize();
            case Command.Transfer c -> c.from() + " pays " + c.to() + " " + c.amount() + " " + c.asset() + " ["
                    + c.transferId() + "]";
            case Command.Deposit c -> c.account() + " deposits " + c.amount() + " " + c.asset();
            case Command.Withdraw c -> c.account() + " withdraws " + c.amount() + " " + c.asset();
            case Command.Place c -> c.account() + " " + placeText(c);
            case Command.Cancel c -> c.account() + " cancels " + c.clientOrderId();
            case Command.Modify c -> c.account() + " modifies " + c.clientOrderId()
                    + (c.price() != null ? " to price " + c.price() : "")
                    + (c.quantity() != null ? " to a total of " + c.quantity() : "");
            case Command.QueryBook c -> "book of " + c.symbol() + "?";
            case Command.QueryBalances c -> "balances of " + c.account() + "?";
            case Command.QueryOrders c -> "open orders of " + c.account() + "?";
            case Command.Malformed c -> "(unreadable line)";
            case Command.FromSender c -> (c.command() == null ? "(nothing)" : command(c.command())) + " (from "
                    + c.sender() + ", its #" + c.senderSeq() + ")";
        };
    }

    private static String placeText(final Command.Place c) {
        final boolean market = c.orderType() == OrderType.MARKET;
        final StringBuilder s = new StringBuilder();
        s.append(c.side() == null ? "?" : c.side().name().toLowerCase(java.util.Locale.ROOT)).append("s ")
                .append(c.quantity()).append(' ').append(c.symbol());
        s.append(market ? " at market" : " at " + c.price());
        if (c.tif() != null && !market) {
            s.append(' ').append(c.tif());
        }
        if (c.postOnly()) {
            s.append(" post-only");
        }
        return s.append(" [").append(c.clientOrderId()).append(']').toString();
    }

    static List<String> event(final Event event) {
        final List<String> lines = new ArrayList<>();
        switch (event) {
            case Event.Ok e -> lines.add("ok");
            case Event.Rejected e -> lines.add("REJECTED " + e.reason() + (e.detail() != null ? ": " + e.detail() : "")
                    + (e.originalSeq() != 0 ? " (already done, as seq " + e.originalSeq() + ")" : ""));
            case Event.Transferred e -> lines.add("paid: " + e.amount() + " " + e.asset() + " from " + e.from() + " to "
                    + e.to());
            case Event.Accepted e -> lines.add("accepted " + e.clientOrderId());
            case Event.Duplicate e -> lines.add("already done: " + e.sender() + " has had up to #" + e.mark()
                    + " executed; #" + e.senderSeq() + " does not run again");
            case Event.SequenceGap e -> lines.add("REJECTED " + e.reason() + ": " + e.sender() + " must send #"
                    + e.expected() + " first");
            case Event.Trade e -> lines.add("TRADE " + e.quantity() + " " + e.symbol() + " @ " + e.price() + ": "
                    + e.takerAccount() + " " + (e.takerSide().name().equals("BUY") ? "buys from " : "sells to ")
                    + e.makerAccount() + " (maker " + e.makerOrderId() + ")");
            case Event.Cancelled e -> lines.add("cancelled " + e.account() + "'s " + e.clientOrderId() + ", "
                    + e.remaining() + " unfilled (" + e.reason() + ")");
            case Event.Modified e -> lines.add("modified " + e.clientOrderId() + ": now " + e.quantity()
                    + " remaining @ " + e.price());
            case Event.Book e -> {
                lines.add(String.format("%-14s %-14s | %-14s %-14s", "bid qty", "bid", "ask", "ask qty"));
                final int depth = Math.max(e.bids().size(), e.asks().size());
                for (int i = 0; i < depth; i++) {
                    final Event.Level bid = i < e.bids().size() ? e.bids().get(i) : null;
                    final Event.Level ask = i < e.asks().size() ? e.asks().get(i) : null;
                    lines.add(String.format("%-14s %-14s | %-14s %-14s", text(bid == null ? null : bid.quantity()),
                            text(bid == null ? null : bid.price()), text(ask == null ? null : ask.price()),
                            text(ask == null ? null : ask.quantity())));
                }
            }
            case Event.Orders e -> {
                for (final org.edgebook.engine.OpenOrder o : e.orders()) {
                    lines.add(o.clientOrderId() + " " + o.side() + " " + o.remaining() + " " + o.symbol() + " @ "
                            + o.price() + (o.postOnly() ? " post-only" : ""));
                }
                if (e.orders().isEmpty()) {
                    lines.add("no open orders");
                }
            }
            case Event.Balances e -> {
                for (final Map.Entry<String, Event.Balance> b : e.balances().entrySet()) {
                    lines.add(String.format("%-4s available %-16s reserved %s", b.getKey(),
                            b.getValue().available(), b.getValue().reserved()));
                }
            }
        }
        return lines;
    }

    private static String text(final Decimal d) {
        return d == null ? "" : d.toString();
    }
}
