package org.edgebook.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The book changes a command reports are exactly what a client needs to keep its copy of every book equal to the
 * engine's: applying them after each command of random flows always gives the engine's aggregated depth.
 */
class BookChangesTest {

    /** Level to total quantity, as normalised decimal text. */
    private static Map<String, String> depth(final Engine engine) {
        final Map<String, BigDecimal> sums = new HashMap<>();
        for (final OpenOrder o : engine.openOrders()) {
            sums.merge(o.symbol() + " " + o.side() + " " + o.price(), new BigDecimal(o.remaining().toString()),
                    BigDecimal::add);
        }
        final Map<String, String> depth = new HashMap<>();
        sums.forEach((level, sum) -> depth.put(level, Decimal.parse(sum.toPlainString()).toString()));
        return depth;
    }

    @Test
    void appliedChangesKeepACopyOfEveryBookExact() {
        for (final long seed : RandomFlows.seeds(60)) {
            final List<Command> flow = RandomFlows.flow(seed, 200, 2_000);
            final EventCollector collector = new EventCollector(true);
            final Engine engine = new Engine(collector);
            final Map<String, String> copy = new HashMap<>();
            for (int i = 0; i < flow.size(); i++) {
                engine.execute(i + 1, flow.get(i));
                collector.drain();
                for (final BookChange change : collector.drainBookChanges()) {
                    final String level = change.symbol() + " " + change.side() + " " + change.price();
                    if (change.quantity().signum() == 0) {
                        copy.remove(level);
                    } else {
                        copy.put(level, change.quantity().toString());
                    }
                }
                assertThat(copy).as(RandomFlows.replayHint(seed) + ", after command " + (i + 1))
                        .isEqualTo(depth(engine));
            }
        }
    }

    @Test
    void nothingIsTrackedUnlessTheSinkAsks() {
        final EventCollector collector = new EventCollector();
        final Engine engine = new Engine(collector);
        engine.execute(1, new Command.DefineAsset("USD", 4));
        engine.execute(2, new Command.DefineAsset("BTC", 8));
        engine.execute(3, new Command.DefineInstrument("BTC-USD", "BTC", "USD", Decimal.parse("1"),
                Decimal.parse("0.1")));
        engine.execute(4, new Command.Deposit("a", "USD", Decimal.parse("100")));
        engine.execute(5, Command.Place.limit("a", "o", "BTC-USD", Side.BUY, "10", "1"));
        assertThat(collector.drainBookChanges()).isEmpty();
    }
}
