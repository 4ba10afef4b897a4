package org.edgebook.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.edgebook.engine.Command;
import org.edgebook.engine.Decimal;
import org.edgebook.engine.OrderType;
import org.edgebook.engine.Side;
import org.edgebook.engine.TimeInForce;

/**
 * A deterministic, realistic command stream for benchmarks: many accounts trading several markets around a stable
 * mid price. Orders rest a few ticks behind the touch, a few cross it, cancels and modifies target orders this
 * generator placed (some of which will have filled: those come back UNKNOWN_ORDER, as they do for real clients).
 * <p>
 * Prices use tick 0.01 and lot 0.001 against a quote asset with 6 decimals; every account is funded generously so
 * that funds checks pass. Same seed, same commands.
 * <p>
 * Threading: one thread.
 */
public final class Workload {

    /** Percentages of each command kind; they add up to 100. */
    public record Mix(int restingPlaces, int cancels, int takers, int modifies) {
        public Mix {
            if (restingPlaces + cancels + takers + modifies != 100) {
                throw new IllegalArgumentException("mix must add up to 100");
            }
        }
    }

    /** The mix of the issue: 60% GTC places near the touch, 25% cancels, 10% IOC or market, 5% modifies. */
    public static final Mix REALISTIC = new Mix(60, 25, 10, 5);
    /** As many cancels as places, so that the book keeps its depth: for measuring cost against depth. */
    public static final Mix STEADY = new Mix(45, 45, 5, 5);

    private static final long MID_TICKS = 1_000_000; // 10,000.00
    private static final int PRICE_SCALE = 2;
    private static final int QUANTITY_SCALE = 3;

    private final SplittableRandom random;
    private final Mix mix;
    private final String[] symbols;
    private final String[] bases;
    private final String[] accounts;
    private final Decimal[] quantities = new Decimal[10];
    // Live orders this generator believes are open: account index and order number, swap-removed on cancel.
    private int[] liveAccount = new int[1 << 16];
    private long[] liveOrder = new long[1 << 16];
    private boolean[] liveBuy = new boolean[1 << 16];
    private int liveCount;
    private long nextOrder;

    public Workload(final long seed, final int instruments, final int accountCount, final Mix mix) {
        this.random = new SplittableRandom(seed);
        this.mix = mix;
        this.symbols = new String[instruments];
        this.bases = new String[instruments];
        for (int i = 0; i < instruments; i++) {
            bases[i] = "C" + i;
            symbols[i] = bases[i] + "-USD";
        }
        this.accounts = new String[accountCount];
        for (int i = 0; i < accountCount; i++) {
            accounts[i] = "acct" + i;
        }
        for (int i = 0; i < quantities.length; i++) {
            quantities[i] = Decimal.of(i + 1, QUANTITY_SCALE);
        }
    }

    /** Assets, markets and deposits. */
    public List<Command> setup() {
        final List<Command> commands = new ArrayList<>();
        commands.add(new Command.DefineAsset("USD", 6));
        for (int i = 0; i < symbols.length; i++) {
            commands.add(new Command.DefineAsset(bases[i], 8));
            commands.add(new Command.DefineInstrument(symbols[i], bases[i], "USD", Decimal.of(1, PRICE_SCALE),
                    Decimal.of(1, QUANTITY_SCALE)));
        }
        for (final String account : accounts) {
            commands.add(new Command.Deposit(account, "USD", Decimal.of(1_000_000_000, 0)));
            for (final String base : bases) {
                commands.add(new Command.Deposit(account, base, Decimal.of(1_000_000, 0)));
            }
        }
        return commands;
    }

    /**
     * Resting orders spread over {@code levels} price levels on each side of every market, none crossing: a book of
     * the given depth to measure against.
     */
    public List<Command> prefill(final int orders, final int levels) {
        final List<Command> commands = new ArrayList<>(orders);
        for (int i = 0; i < orders; i++) {
            final int symbol = random.nextInt(symbols.length);
            final Side side = random.nextBoolean() ? Side.BUY : Side.SELL;
            final long offset = 1 + random.nextInt(levels);
            commands.add(restingPlace(symbol, side, offset));
        }
        return commands;
    }

    /** The next command of the mix. */
    public Command next() {
        final int roll = random.nextInt(100);
        if (roll < mix.restingPlaces()) {
            final int symbol = random.nextInt(symbols.length);
            final Side side = random.nextBoolean() ? Side.BUY : Side.SELL;
            // Mostly 1-20 ticks behind the mid, occasionally crossing it by a tick or two.
            final long offset = random.nextInt(100) < 5 ? -random.nextInt(3) : 1 + Math.min(random.nextInt(20),
                    random.nextInt(20));
            return restingPlace(symbol, side, offset);
        }
        if (roll < mix.restingPlaces() + mix.cancels()) {
            if (liveCount == 0) {
                return next();
            }
            final int pick = random.nextInt(liveCount);
            final Command cancel = new Command.Cancel(accounts[liveAccount[pick]], orderId(liveOrder[pick]));
            removeLive(pick);
            return cancel;
        }
        if (roll < mix.restingPlaces() + mix.cancels() + mix.takers()) {
            final int symbol = random.nextInt(symbols.length);
            final Side side = random.nextBoolean() ? Side.BUY : Side.SELL;
            final String account = accounts[random.nextInt(accounts.length)];
            final Decimal quantity = quantities[random.nextInt(quantities.length)];
            if (random.nextBoolean()) {
                return new Command.Place(account, orderId(nextOrder++), symbols[symbol], side, OrderType.MARKET,
                        null, null, quantity, false);
            }
            final long price = side == Side.BUY ? MID_TICKS + 3 : MID_TICKS - 3;
            return new Command.Place(account, orderId(nextOrder++), symbols[symbol], side, OrderType.LIMIT,
                    TimeInForce.IOC, price(price), quantity, false);
        }
        if (liveCount == 0) {
            return next();
        }
        final int pick = random.nextInt(liveCount);
        final String account = accounts[liveAccount[pick]];
        final String id = orderId(liveOrder[pick]);
        if (random.nextBoolean()) {
            // The smallest total: shrinks the order in place (keeps priority), or ends it if that much has filled.
            return new Command.Modify(account, id, null, quantities[0]);
        }
        // A new price on the order's own side of the mid: it loses priority and rests again.
        final long offset = 1 + random.nextInt(20);
        final long ticks = liveBuy[pick] ? MID_TICKS - offset : MID_TICKS + offset;
        return new Command.Modify(account, id, price(ticks), null);
    }

    private Command restingPlace(final int symbol, final Side side, final long offset) {
        final long ticks = side == Side.BUY ? MID_TICKS - offset : MID_TICKS + offset;
        final int account = random.nextInt(accounts.length);
        final long order = nextOrder++;
        addLive(account, order, side == Side.BUY);
        return new Command.Place(accounts[account], orderId(order), symbols[symbol], side, OrderType.LIMIT,
                TimeInForce.GTC, price(ticks), quantities[random.nextInt(quantities.length)], false);
    }

    private Decimal price(final long ticks) {
        return Decimal.of(ticks, PRICE_SCALE);
    }

    private static String orderId(final long order) {
        return "o" + order;
    }

    private void addLive(final int account, final long order, final boolean buy) {
        if (liveCount == liveAccount.length) {
            liveAccount = java.util.Arrays.copyOf(liveAccount, liveCount * 2);
            liveOrder = java.util.Arrays.copyOf(liveOrder, liveCount * 2);
            liveBuy = java.util.Arrays.copyOf(liveBuy, liveCount * 2);
        }
        liveAccount[liveCount] = account;
        liveOrder[liveCount] = order;
        liveBuy[liveCount] = buy;
        liveCount++;
    }

    private void removeLive(final int index) {
        liveCount--;
        liveAccount[index] = liveAccount[liveCount];
        liveOrder[index] = liveOrder[liveCount];
        liveBuy[index] = liveBuy[liveCount];
    }

    /** {@code count} commands of the mix. */
    public Command[] commands(final int count) {
        final Command[] commands = new Command[count];
        for (int i = 0; i < count; i++) {
            commands[i] = next();
        }
        return commands;
    }
}
