package org.edgebook.engine;

/** Bids and asks of one market; also the read-only view a book query hands to the {@link EventSink}. */
final class OrderBook implements EventSink.BookView {
    final BookSide bids = new BookSide(Side.BUY);
    final BookSide asks = new BookSide(Side.SELL);
    private final int priceScale;
    private final int quantityScale;

    OrderBook(final int priceScale, final int quantityScale) {
        this.priceScale = priceScale;
        this.quantityScale = quantityScale;
    }

    BookSide side(final Side side) {
        return side == Side.BUY ? bids : asks;
    }

    @Override
    public int priceScale() {
        return priceScale;
    }

    @Override
    public int quantityScale() {
        return quantityScale;
    }

    @Override
    public int levels(final Side side) {
        return side(side).levelCount();
    }

    @Override
    public long price(final Side side, final int level) {
        return side(side).level(level).price;
    }

    @Override
    public long quantity(final Side side, final int level) {
        return side(side).level(level).quantity;
    }
}
