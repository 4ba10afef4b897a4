package org.edgebook.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Feeds typed {@link Event}s back into an {@link EventSink}, so that events kept as values (for example a command's
 * reply in a service) are encoded by the same sink that encodes them live, such as the JSON writer.
 * Stateless; allocates the small views that book and balances events need.
 */
public final class EventReplayer {
    private EventReplayer() {
    }

    /** Tells the sink about one command's events, with its sequence number first. */
    public static void replay(final long seq, final long cmd, final List<Event> events, final EventSink sink) {
        sink.sequenced(seq, cmd);
        for (final Event event : events) {
            replay(event, sink);
        }
    }

    public static void replay(final Event event, final EventSink sink) {
        switch (event) {
            case Event.Ok e -> sink.ok(e.cmd());
            case Event.Rejected e when e.transferId() != null || e.originalSeq() != 0 ->
                    sink.transferRejected(e.cmd(), e.reason(), e.transferId(), e.account(), e.originalSeq(),
                            e.detail());
            case Event.Rejected e -> sink.rejected(e.cmd(), e.reason(), e.account(), e.clientOrderId(), e.detail());
            case Event.Accepted e -> sink.accepted(e.cmd(), e.account(), e.clientOrderId());
            case Event.Duplicate e -> sink.duplicate(e.cmd(), e.sender(), e.senderSeq(), e.mark());
            case Event.SequenceGap e -> sink.sequenceGap(e.cmd(), e.sender(), e.senderSeq(), e.expected());
            case Event.Transferred e -> sink.transferred(e.cmd(), e.transferId(), e.from(), e.to(), e.asset(),
                    e.amount().unscaled(), e.amount().scale());
            case Event.Trade e -> sink.trade(e.cmd(), e.symbol(), e.price().unscaled(), e.price().scale(),
                    e.quantity().unscaled(), e.quantity().scale(), e.makerAccount(), e.makerOrderId(),
                    e.takerAccount(), e.takerOrderId(), e.takerSide());
            case Event.Cancelled e -> sink.cancelled(e.cmd(), e.account(), e.clientOrderId(), e.remaining().unscaled(),
                    e.remaining().scale(), e.reason());
            case Event.Modified e -> sink.modified(e.cmd(), e.account(), e.clientOrderId(), e.price().unscaled(),
                    e.price().scale(), e.quantity().unscaled(), e.quantity().scale());
            case Event.Book e -> sink.book(e.cmd(), e.symbol(), new LevelsView(e.bids(), e.asks()));
            case Event.Balances e -> sink.balances(e.cmd(), e.account(), new BalancesView(e.balances()));
            case Event.Orders e -> sink.orders(e.cmd(), e.account(), new OrderListView(e.orders()));
        }
    }

    /** Levels as a view. Each decimal keeps its own scale, so the view reports units at scale 18 or less as given. */
    private record LevelsView(List<Event.Level> bids, List<Event.Level> asks) implements EventSink.BookView {
        private List<Event.Level> side(final Side side) {
            return side == Side.BUY ? bids : asks;
        }

        // Decimals in events are normalised, so levels may differ in scale: report each at a common scale.
        @Override
        public int priceScale() {
            return maxScale(true);
        }

        @Override
        public int quantityScale() {
            return maxScale(false);
        }

        private int maxScale(final boolean price) {
            int scale = 0;
            for (final List<Event.Level> levels : List.of(bids, asks)) {
                for (final Event.Level l : levels) {
                    scale = Math.max(scale, (price ? l.price() : l.quantity()).scale());
                }
            }
            return scale;
        }

        @Override
        public int levels(final Side side) {
            return side(side).size();
        }

        @Override
        public long price(final Side side, final int level) {
            return side(side).get(level).price().toUnits(priceScale());
        }

        @Override
        public long quantity(final Side side, final int level) {
            return side(side).get(level).quantity().toUnits(quantityScale());
        }
    }

    private record OrderListView(List<OpenOrder> orders) implements EventSink.OrdersView {
        @Override
        public int size() {
            return orders.size();
        }

        @Override
        public String clientOrderId(final int index) {
            return orders.get(index).clientOrderId();
        }

        @Override
        public String symbol(final int index) {
            return orders.get(index).symbol();
        }

        @Override
        public Side side(final int index) {
            return orders.get(index).side();
        }

        @Override
        public long price(final int index) {
            return orders.get(index).price().unscaled();
        }

        @Override
        public int priceScale(final int index) {
            return orders.get(index).price().scale();
        }

        @Override
        public long remaining(final int index) {
            return orders.get(index).remaining().unscaled();
        }

        @Override
        public int quantityScale(final int index) {
            return orders.get(index).remaining().scale();
        }

        @Override
        public boolean postOnly(final int index) {
            return orders.get(index).postOnly();
        }
    }

    private static final class BalancesView implements EventSink.BalanceView {
        private final List<String> assets;
        private final List<Event.Balance> balances;
        private final int[] scales;

        BalancesView(final Map<String, Event.Balance> map) {
            assets = new ArrayList<>(map.keySet());
            balances = new ArrayList<>(map.values());
            scales = new int[assets.size()];
            for (int i = 0; i < scales.length; i++) {
                scales[i] = Math.max(balances.get(i).available().scale(), balances.get(i).reserved().scale());
            }
        }

        @Override
        public int size() {
            return assets.size();
        }

        @Override
        public String asset(final int index) {
            return assets.get(index);
        }

        @Override
        public int scale(final int index) {
            return scales[index];
        }

        @Override
        public long available(final int index) {
            return balances.get(index).available().toUnits(scales[index]);
        }

        @Override
        public long reserved(final int index) {
            return balances.get(index).reserved().toUnits(scales[index]);
        }
    }
}
