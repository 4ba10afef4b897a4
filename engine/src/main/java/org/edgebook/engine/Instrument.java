package org.edgebook.engine;

/**
 * A market: base traded against quote. Prices are counted in units of 10^-priceScale (priceScale = decimals of the
 * tick), quantities in units of 10^-quantityScale (decimals of the lot). The definition rules guarantee that
 * price × quantity is an exact number of quote units, which {@link #notional} computes. Engine-internal; single writer.
 */
final class Instrument {
    /** Returned by the conversions below for a value that is not valid for this market. */
    static final long INVALID = -1;

    final String symbol;
    /** Position in definition order: the engine's instruments list holds this instrument at {@code id}. */
    final int id;
    final Asset base;
    final Asset quote;
    final int priceScale;
    final int quantityScale;
    final long tickUnits;
    final long lotUnits;
    /** Base-asset units per quantity unit: 10^(scale(base) - quantityScale). */
    final long baseFactor;
    /** Quote-asset units per (price unit × quantity unit): 10^(scale(quote) - priceScale - quantityScale). */
    final long notionalFactor;
    final OrderBook book;

    Instrument(final String symbol, final int id, final Asset base, final Asset quote, final Decimal tick,
               final Decimal lot) {
        this.symbol = symbol;
        this.id = id;
        this.base = base;
        this.quote = quote;
        this.priceScale = tick.scale();
        this.quantityScale = lot.scale();
        this.tickUnits = tick.unscaled();
        this.lotUnits = lot.unscaled();
        this.baseFactor = Decimal.powerOfTen(base.scale - quantityScale);
        this.notionalFactor = Decimal.powerOfTen(quote.scale - priceScale - quantityScale);
        this.book = new OrderBook(priceScale, quantityScale);
    }

    /** The price in price units, or {@link #INVALID} if not > 0, off tick or out of range. */
    long priceUnits(final Decimal price) {
        final long units = price.toUnits(priceScale);
        if (units <= 0 || units % tickUnits != 0) {
            return INVALID;
        }
        return units;
    }

    /** The quantity in quantity units, or {@link #INVALID} if not > 0, off lot or its base amount is out of range. */
    long quantityUnits(final Decimal quantity) {
        final long units = quantity.toUnits(quantityScale);
        if (units <= 0 || units % lotUnits != 0 || units > Long.MAX_VALUE / baseFactor) {
            return INVALID;
        }
        return units;
    }

    /** Base-asset units of a quantity already checked by {@link #quantityUnits}. */
    long baseAmount(final long quantity) {
        return quantity * baseFactor;
    }

    /** Quote-asset units of price × quantity, or {@link #INVALID} if that does not fit in a long. */
    long notional(final long price, final long quantity) {
        if (quantity > Long.MAX_VALUE / price) {
            return INVALID;
        }
        final long product = price * quantity;
        if (product > Long.MAX_VALUE / notionalFactor) {
            return INVALID;
        }
        return product * notionalFactor;
    }

    /** What an order of this side, price and quantity holds: quote for a BUY, base for a SELL. */
    long hold(final Side side, final long price, final long quantity) {
        return side == Side.BUY ? notional(price, quantity) : baseAmount(quantity);
    }

    /** The asset an order of this side holds. */
    Asset heldAsset(final Side side) {
        return side == Side.BUY ? quote : base;
    }
}
