package org.edgebook.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.edgebook.engine.Command;
import org.edgebook.engine.Decimal;
import org.edgebook.engine.Engine;
import org.edgebook.engine.EventSinkAdapter;
import org.edgebook.engine.OrderType;
import org.edgebook.engine.Side;
import org.edgebook.engine.TimeInForce;

/**
 * Replays a LOBSTER sample (real NASDAQ messages) through the engine and compares the engine's book with LOBSTER's
 * after every message: {@code java -cp bench/target/benchmarks.jar org.edgebook.bench.LobsterReplay MESSAGES ORDERBOOK
 * LEVELS}.
 * <p>
 * New orders (type 1) rest; executions of visible orders (4) arrive as IOC orders from a separate taker account at
 * the maker's price, so the engine's own matching fills them; partial cancels (2) and deletes (3) become modify and
 * cancel. Orders that rested before the file begins are seeded from the first snapshot, and liquidity that scrolls
 * into a level-N file's view from deeper levels is seeded when the snapshot shows it, as LOBSTER's readme describes;
 * cancels and executions of such orders take from that seeded liquidity. Hidden executions (5) do not touch the
 * visible book. After each message the engine's top N levels must equal the snapshot's.
 * <p>
 * Threading: one thread.
 */
public final class LobsterReplay {
    private static final long EMPTY = 9999999999L;

    /**
     * What the replay saw. {@code unexplained} counts liquidity the snapshot had and the engine lacked at a price that
     * had been in view: not a level scrolling in from beyond the view, so the engine should have had it.
     */
    public record Result(int messages, int compared, int matched, int seeded, int unexplained, long trades,
                         List<String> mismatches) {
    }

    private final Engine engine;
    private final String symbol;
    // lobster id -> {remaining, price, total}: a modify names the total (filled part included), fills lower remaining
    private final Map<Long, long[]> known = new HashMap<>();
    private final Map<String, Long> idOf = new HashMap<>(); // our clientOrderId -> lobster id (or -1 for seeded)
    private final Map<Long, ArrayDeque<long[]>> seeded = new HashMap<>(); // signed price -> {seed number, remaining}
    private final Map<Long, Long> seedRemaining = new HashMap<>();
    /** Each seeded order's total, filled part included, which is what a modify names. */
    private final Map<Long, Long> seedTotal = new HashMap<>();
    private long seeds;
    private long trades;
    private long taker;
    private int unexplained;

    private LobsterReplay(final String symbol) {
        this.symbol = symbol;
        this.engine = new Engine(new EventSinkAdapter() {
            @Override
            public void trade(final long cmd, final String sym, final long price, final int priceScale,
                              final long quantity, final int quantityScale, final String makerAccount,
                              final String makerOrderId, final String takerAccount, final String takerOrderId,
                              final Side takerSide) {
                trades++;
                filled(makerOrderId, quantity); // quantities are whole shares (lot 1, scale 0)
            }
        });
        run(new Command.DefineAsset("USD", 4));
        run(new Command.DefineAsset("SHARES", 0));
        run(new Command.DefineInstrument(symbol, "SHARES", "USD", Decimal.parse("0.01"), Decimal.parse("1")));
        for (final String account : new String[] {"book", "taker"}) {
            run(new Command.Deposit(account, "USD", Decimal.parse("100000000000")));
            run(new Command.Deposit(account, "SHARES", Decimal.parse("100000000000")));
        }
    }

    private long cmd;

    private void run(final Command command) {
        engine.execute(++cmd, command);
    }

    /** A fill reported by the engine: keep our view of each maker's remaining size exact. */
    private void filled(final String makerOrderId, final long quantity) {
        if (makerOrderId.startsWith("s")) {
            final long seed = Long.parseLong(makerOrderId.substring(1));
            seedRemaining.merge(seed, -quantity, Long::sum);
        } else {
            final long[] order = known.get(Long.parseLong(makerOrderId.substring(1)));
            if (order != null) {
                order[0] -= quantity;
            }
        }
    }

    private static Decimal price(final long lobsterPrice) {
        return Decimal.of(lobsterPrice, 4);
    }

    private void seed(final Side side, final long price, final long size) {
        final long seed = ++seeds;
        seedRemaining.put(seed, size);
        seedTotal.put(seed, size);
        seeded.computeIfAbsent(side == Side.BUY ? price : -price, k -> new ArrayDeque<>()).add(new long[] {seed});
        run(new Command.Place("book", "s" + seed, symbol, side, OrderType.LIMIT, TimeInForce.GTC, price(price),
                Decimal.of(size, 0), false));
    }

    /** Takes {@code size} from seeded liquidity at a price (an order that rested before we could see it). */
    private boolean reduceSeeded(final Side side, final long price, final long size) {
        final ArrayDeque<long[]> queue = seeded.get(side == Side.BUY ? price : -price);
        long left = size;
        while (left > 0 && queue != null && !queue.isEmpty()) {
            final long seed = queue.peekFirst()[0];
            final long remaining = seedRemaining.getOrDefault(seed, 0L);
            if (remaining <= 0) {
                queue.pollFirst();
                continue;
            }
            final long take = Math.min(left, remaining);
            if (take == remaining) {
                run(new Command.Cancel("book", "s" + seed));
                queue.pollFirst();
            } else {
                final long total = seedTotal.merge(seed, -take, Long::sum); // fills stay counted in the total
                run(new Command.Modify("book", "s" + seed, null, Decimal.of(total, 0)));
            }
            seedRemaining.put(seed, remaining - take);
            left -= take;
        }
        return left == 0;
    }

    private void apply(final int type, final long id, final long size, final long price, final int direction) {
        final Side side = direction > 0 ? Side.BUY : Side.SELL;
        switch (type) {
            case 1 -> {
                known.put(id, new long[] {size, price, size});
                run(new Command.Place("book", "o" + id, symbol, side, OrderType.LIMIT, TimeInForce.GTC, price(price),
                        Decimal.of(size, 0), false));
            }
            case 2, 3 -> {
                final long[] order = known.get(id);
                if (order == null) {
                    reduceSeeded(side, price, size);
                } else if (type == 3 || order[0] <= size) {
                    run(new Command.Cancel("book", "o" + id));
                    known.remove(id);
                } else {
                    order[0] -= size;
                    order[2] -= size; // what has filled stays in the total
                    run(new Command.Modify("book", "o" + id, null, Decimal.of(order[2], 0)));
                }
            }
            case 4 -> run(new Command.Place("taker", "t" + ++taker, symbol, side.opposite(), OrderType.LIMIT,
                    TimeInForce.IOC, price(price), Decimal.of(size, 0), false));
            default -> {
                // 5: hidden execution, 6: cross trade, 7: halt: the visible book does not change
            }
        }
    }

    /** The engine's top {@code levels} on one side as {price, size} in LOBSTER units, best first. */
    private List<long[]> top(final Side side, final int levels) {
        final java.util.TreeMap<Long, Long> bySide = new java.util.TreeMap<>(side == Side.BUY
                ? java.util.Comparator.<Long>reverseOrder() : java.util.Comparator.<Long>naturalOrder());
        for (final var o : engine.openOrders()) {
            if (o.side() == side) {
                bySide.merge(o.price().toUnits(4), o.remaining().unscaled(), Long::sum);
            }
        }
        final List<long[]> top = new ArrayList<>();
        for (final var level : bySide.entrySet()) {
            if (top.size() == levels) {
                break;
            }
            top.add(new long[] {level.getKey(), level.getValue()});
        }
        return top;
    }

    /** Replays the files and compares after every message. */
    public static Result run(final Path messages, final Path orderbook, final int levels, final String symbol)
            throws IOException {
        final LobsterReplay replay = new LobsterReplay(symbol);
        int count = 0;
        int compared = 0;
        int matched = 0;
        final List<String> mismatches = new ArrayList<>();
        try (BufferedReader m = Files.newBufferedReader(messages); BufferedReader b = Files.newBufferedReader(
                orderbook)) {
            String message;
            String book;
            boolean first = true;
            long[] previous = null;
            while ((message = m.readLine()) != null && (book = b.readLine()) != null) {
                if (message.startsWith("Time") || book.startsWith("Best") || book.startsWith("Ask")) {
                    continue; // a header line
                }
                final String[] f = message.split(",");
                final int type = Integer.parseInt(f[1]);
                final long id = Long.parseLong(f[2]);
                final long size = Long.parseLong(f[3]);
                final long price = Long.parseLong(f[4]);
                final int direction = Integer.parseInt(f[5]);
                final long[] row = parse(book, levels);
                if (first) {
                    // The book before the first message: the first snapshot without that message's own effect.
                    replay.seedFrom(row, levels, type == 1 ? price : Long.MIN_VALUE, type == 1 ? size : 0,
                            direction, null);
                    first = false;
                }
                replay.apply(type, id, size, price, direction);
                count++;
                replay.dropBeyondView(row, levels); // levels that scrolled out: LOBSTER stops telling us about them
                final int unexplainedHere = replay.seedFrom(row, levels, Long.MIN_VALUE, 0, 0, previous);
                if (unexplainedHere > 0 && mismatches.size() < 10) {
                    mismatches.add("unexplained liquidity after message " + count + " (" + message + ")");
                }
                replay.unexplained += unexplainedHere;
                previous = row;
                compared++;
                final String difference = replay.difference(row, levels);
                if (difference == null) {
                    matched++;
                } else if (mismatches.size() < 10) {
                    mismatches.add("after message " + count + " (" + message + "): " + difference);
                }
            }
        }
        return new Result(count, compared, matched, (int) replay.seeds, replay.unexplained, replay.trades,
                mismatches);
    }

    private static long[] parse(final String line, final int levels) {
        final String[] f = line.split(",");
        final long[] row = new long[levels * 4];
        for (int i = 0; i < levels * 4; i++) {
            row[i] = Long.parseLong(f[i]);
        }
        return row;
    }

    /**
     * Cancels the engine's orders at prices worse than the snapshot's last visible level: a level-N file says nothing
     * more about them, so keeping them would be guessing.
     */
    private void dropBeyondView(final long[] row, final int levels) {
        for (final Side side : new Side[] {Side.SELL, Side.BUY}) {
            long worstVisible = Long.MIN_VALUE;
            int visible = 0;
            for (int l = 0; l < levels; l++) {
                final int at = l * 4 + (side == Side.SELL ? 0 : 2);
                if (Math.abs(row[at]) != EMPTY && row[at + 1] != 0) {
                    worstVisible = row[at];
                    visible++;
                }
            }
            for (final var o : engine.openOrders()) {
                if (o.side() != side) {
                    continue;
                }
                final long price = o.price().toUnits(4);
                final boolean beyond = visible == 0
                        || (side == Side.SELL ? price > worstVisible : price < worstVisible);
                if (beyond) {
                    run(new Command.Cancel(o.account(), o.clientOrderId()));
                    if (o.clientOrderId().startsWith("s")) {
                        seedRemaining.put(Long.parseLong(o.clientOrderId().substring(1)), 0L);
                    } else {
                        known.remove(Long.parseLong(o.clientOrderId().substring(1)));
                    }
                }
            }
        }
    }

    /** Seeds liquidity the snapshot shows and the engine lacks; {@code except} is a level to leave short by size. */
    private int seedFrom(final long[] row, final int levels, final long exceptPrice, final long exceptSize,
                         final int exceptDirection, final long[] previous) {
        int unexpected = 0;
        for (final Side side : new Side[] {Side.SELL, Side.BUY}) {
            final Map<Long, Long> ours = new HashMap<>();
            for (final var o : engine.openOrders()) {
                if (o.side() == side) {
                    ours.merge(o.price().toUnits(4), o.remaining().unscaled(), Long::sum);
                }
            }
            for (int l = 0; l < levels; l++) {
                final int at = l * 4 + (side == Side.SELL ? 0 : 2);
                final long price = row[at];
                long size = row[at + 1];
                if (Math.abs(price) == EMPTY || size == 0) {
                    continue;
                }
                if (price == exceptPrice && (exceptDirection > 0) == (side == Side.BUY)) {
                    size -= exceptSize;
                }
                final long have = ours.getOrDefault(price, 0L);
                if (size > have) {
                    seed(side, price, size - have);
                    if (previous != null && !beyondView(previous, levels, side, price)) {
                        unexpected++;
                    }
                }
            }
        }
        return unexpected;
    }

    /** Whether {@code price} was beyond the previous snapshot's view: it may have rested there unseen. */
    private static boolean beyondView(final long[] previous, final int levels, final Side side, final long price) {
        final int last = (levels - 1) * 4 + (side == Side.SELL ? 0 : 2);
        if (Math.abs(previous[last]) == EMPTY || previous[last + 1] == 0) {
            return false; // the view was not full, so nothing rested beyond it
        }
        return side == Side.SELL ? price > previous[last] : price < previous[last];
    }

    /** {@code null} if the engine's top levels equal the snapshot's, else what differs. */
    private String difference(final long[] row, final int levels) {
        for (final Side side : new Side[] {Side.SELL, Side.BUY}) {
            final List<long[]> ours = top(side, levels);
            for (int l = 0; l < levels; l++) {
                final int at = l * 4 + (side == Side.SELL ? 0 : 2);
                final boolean empty = Math.abs(row[at]) == EMPTY || row[at + 1] == 0;
                final long[] mine = l < ours.size() ? ours.get(l) : null;
                if (empty && mine == null) {
                    continue;
                }
                if (empty || mine == null || mine[0] != row[at] || mine[1] != row[at + 1]) {
                    return side + " level " + (l + 1) + ": LOBSTER " + (empty ? "empty" : row[at + 1] + " @ "
                            + row[at]) + ", engine " + (mine == null ? "empty" : mine[1] + " @ " + mine[0]);
                }
            }
        }
        return null;
    }

    public static void main(final String[] args) throws IOException {
        final Result result = run(Path.of(args[0]), Path.of(args[1]), Integer.parseInt(args[2]),
                args.length > 3 ? args[3] : "LOBSTER");
        System.out.printf("%d messages, %d compared, %d matched, %d seeded orders (%d unexplained), %d trades%n",
                result.messages(), result.compared(), result.matched(), result.seeded(), result.unexplained(),
                result.trades());
        result.mismatches().forEach(System.out::println);
    }
}
