package org.edgebook.engine;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random command flows for the differential and invariant properties.
 * <p>
 * A flow starts by defining a few assets with varied scales and four markets with varied tick and lot sizes, then mixes
 * deposits, withdrawals, orders of every kind with prices clustered around each market's mid (so books cross and
 * trade), cancels and modifies of ids that exist and ids that do not (modifies of partly filled orders and repeated
 * modifies among them), queries (an account's orders among them, also right after some of its modifies), and a
 * sprinkling of invalid values:
 * off-tick, zero, negative, too precise, huge, {@link Decimal#OUT_OF_RANGE}, null and empty fields. Some commands are
 * numbered by one of a few sources ({@link Command.FromSender}): in order, duplicates (a source resending its last
 * few), gaps, and malformed pairs, over commands of every kind, rejected ones included.
 * <p>
 * Generation is stateful (it remembers which ids it placed) and driven by one {@link Random}, so a seed reproduces a
 * flow exactly; {@link FlowMinimizer} shrinks a failing one. (No jqwik: the project does not use it.)
 */
final class RandomFlows {

    /** What the generator knows about a market: its definition and where its prices cluster. */
    private record Market(String symbol, String base, String quote, String tick, String lot, String mid) {
        BigDecimal tickValue() {
            return new BigDecimal(tick);
        }

        BigDecimal lotValue() {
            return new BigDecimal(lot);
        }
    }

    private static final Map<String, Integer> ASSET_SCALES = Map.of(
            "USD", 6, "BTC", 8, "ETH", 18, "JPY", 0, "DOGE", 2);
    private static final List<String> ASSETS = List.of("USD", "BTC", "ETH", "JPY", "DOGE");
    /**
     * A typical deposit, in whole units, sized so that accounts can afford a handful of orders. ETH's is small because
     * at scale 18 only about 9.22 ETH fit in circulation.
     */
    private static final Map<String, String> TYPICAL_DEPOSIT = Map.of(
            "USD", "60", "BTC", "0.08", "ETH", "0.006", "JPY", "1500000", "DOGE", "3000");

    private static final List<Market> MARKETS = List.of(
            new Market("BTC-USD", "BTC", "USD", "0.5", "0.001", "100"),
            new Market("ETH-BTC", "ETH", "BTC", "0.0001", "0.0001", "0.05"),
            new Market("DOGE-JPY", "DOGE", "JPY", "5", "100", "500"),
            // decimals(tick) + decimals(lot) == scale(USD): notionals use every decimal the quote has.
            new Market("ETH-USD", "ETH", "USD", "0.01", "0.0001", "20"));
    /** Defined only if a random definition in the flow happens to create it; until then UNKNOWN_SYMBOL. */
    private static final Market LATE_MARKET = new Market("XAU-USD", "XAU", "USD", "0.01", "1", "30");

    private static final List<String> ACCOUNTS = List.of("a1", "a2", "a3", "a4", "a5");
    /** Senders of numbered commands: edge nodes, a region, a client. */
    private static final List<String> SOURCES = List.of("edge-1", "edge-2", "eu:fra", "a1:app");

    private final Random random;
    private final List<Command> flow = new ArrayList<>();
    /** Ids placed per account, accepted or not, so cancels and modifies usually name a real order. */
    private final Map<String, List<String>> placedIds = new HashMap<>();
    /** Ids of LIMIT GTC places per account: the ones that may be resting, so cancels and modifies aim there. */
    private final Map<String, List<String>> restingCandidates = new HashMap<>();
    /** The market each id was placed in, so most modifies use that market's tick and lot. */
    private final Map<String, Market> marketOfId = new HashMap<>();
    /** The last modify generated, which is sometimes sent again: a late duplicate must change nothing more. */
    private Command lastModify;
    /** Commands of a multi-command scenario still to come, ahead of random ones. */
    private final java.util.ArrayDeque<Command> pending = new java.util.ArrayDeque<>();
    private int nextId;
    private int activeAccounts;
    /** Each source's mark as the engine must have it: the generator knows which numbers run. */
    private final Map<String, Long> marks = new HashMap<>();
    /** What each source sent in order, by number (index + 1), so that a resend repeats it exactly. */
    private final Map<String, List<Command>> sent = new HashMap<>();

    private RandomFlows(final Random random) {
        this.random = random;
    }

    /** The flow of one seed: the definitions, then {@code minCommands..maxCommands} random commands. */
    static List<Command> flow(final long seed, final int minCommands, final int maxCommands) {
        final Random random = new Random(seed);
        final int size = minCommands + random.nextInt(maxCommands - minCommands + 1);
        return new RandomFlows(random).generate(size);
    }

    /**
     * Seeds for {@code count} flows: a fresh random run each time, or exactly one seed when the system property
     * {@code edgebook.flowSeed} names it (as a failure message says), to replay a failure. The system property
     * {@code edgebook.flowScale} multiplies the count, for a longer hunt than the default run.
     */
    static long[] seeds(final int count) {
        final String replay = System.getProperty("edgebook.flowSeed");
        if (replay != null && !replay.isBlank()) {
            return new long[] {Long.parseLong(replay.trim())};
        }
        final int total = count * Integer.getInteger("edgebook.flowScale", 1);
        final long base = new Random().nextLong();
        final long[] seeds = new long[total];
        for (int i = 0; i < total; i++) {
            seeds[i] = base + i;
        }
        return seeds;
    }

    /** How to replay one seed's flow, for failure messages. */
    static String replayHint(final long seed) {
        return "flow seed " + seed + " (replay it alone with -Dedgebook.flowSeed=" + seed + ")";
    }

    /** The definitions every flow starts with. */
    static List<Command> definitions() {
        final List<Command> commands = new ArrayList<>();
        for (final String asset : ASSETS) {
            commands.add(new Command.DefineAsset(asset, ASSET_SCALES.get(asset)));
        }
        for (final Market m : MARKETS) {
            commands.add(new Command.DefineInstrument(m.symbol(), m.base(), m.quote(), Decimal.parse(m.tick()),
                    Decimal.parse(m.lot())));
        }
        return commands;
    }

    private List<Command> generate(final int size) {
        flow.addAll(definitions());
        // Some flows crowd few accounts (more self-trades), others spread over more.
        activeAccounts = 2 + random.nextInt(ACCOUNTS.size() - 1);
        for (int i = 0; i < size; i++) {
            flow.add(i < 3 * activeAccounts && random.nextInt(10) < 8 ? deposit() : next());
        }
        return List.copyOf(flow);
    }

    private Command next() {
        if (!pending.isEmpty()) {
            return pending.poll();
        }
        final int sourced = random.nextInt(100);
        if (sourced < 3) {
            resendScenario();
            return pending.poll();
        }
        if (sourced < 15) {
            return sourced(plain());
        }
        return plain();
    }

    // ---- sources ----

    /**
     * The command numbered by one of a few sources: mostly in order (mark + 1, which runs whatever it answers), else
     * a duplicate of an earlier number, a gap ahead of the mark, or now and then a malformed pair (a bad name, a
     * number below 1, no command, a sourced command inside).
     */
    private Command sourced(final Command command) {
        final String source = SOURCES.get(random.nextInt(SOURCES.size()));
        final long mark = marks.getOrDefault(source, 0L);
        final int roll = random.nextInt(100);
        if (roll < 70 || mark == 0 && roll < 82) {
            marks.put(source, mark + 1);
            sent.computeIfAbsent(source, k -> new ArrayList<>()).add(command);
            return new Command.FromSender(source, mark + 1, command);
        }
        if (roll < 82) {
            return new Command.FromSender(source, 1 + random.nextInt((int) Math.min(mark, 1000)), command);
        }
        if (roll < 94) {
            return new Command.FromSender(source, mark + 2 + random.nextInt(3), command);
        }
        return switch (random.nextInt(5)) {
            case 0 -> new Command.FromSender(oddName(), mark + 1, command);
            case 1 -> new Command.FromSender(source, -random.nextInt(3), command);
            case 2 -> new Command.FromSender(source, mark + 1, null);
            case 3 -> new Command.FromSender(source, mark + 1, new Command.FromSender(source, mark + 1, command));
            default -> new Command.FromSender(source, random.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE,
                    command);
        };
    }

    /**
     * A source that lost its acknowledgements sends its last few commands again (duplicates, each with what it sent
     * the first time), then goes on in order.
     */
    private void resendScenario() {
        final String source = SOURCES.get(random.nextInt(SOURCES.size()));
        final List<Command> history = sent.getOrDefault(source, List.of());
        final int again = Math.min(history.size(), 1 + random.nextInt(4));
        for (int i = history.size() - again; i < history.size(); i++) {
            pending.add(new Command.FromSender(source, i + 1, history.get(i)));
        }
        final Command next = random.nextBoolean() ? place() : transfer();
        final long mark = marks.getOrDefault(source, 0L);
        marks.put(source, mark + 1);
        sent.computeIfAbsent(source, k -> new ArrayList<>()).add(next);
        pending.add(new Command.FromSender(source, mark + 1, next));
    }

    private Command plain() {
        final int roll = random.nextInt(1000);
        if (roll < 90) {
            return deposit();
        }
        if (roll < 120) {
            return withdraw();
        }
        if (roll < 150) {
            return transfer();
        }
        if (roll < 680) {
            return place();
        }
        if (roll < 770) {
            return cancel();
        }
        if (roll < 855) {
            return modify();
        }
        if (roll < 870) {
            partialFillScenario();
            return pending.poll();
        }
        if (roll < 910) {
            return new Command.QueryBook(random.nextInt(20) == 0 ? oddName() : market().symbol());
        }
        if (roll < 940) {
            return new Command.QueryBalances(random.nextInt(20) == 0 ? oddName() : account());
        }
        if (roll < 950) {
            return new Command.QueryOrders(random.nextInt(20) == 0 ? oddName() : account());
        }
        if (roll < 965) {
            return new Command.Malformed("bad line " + roll, maybe(account()), maybe("o" + random.nextInt(50)));
        }
        if (roll < 970) {
            return whaleDeposit();
        }
        if (roll < 975) {
            whaleScenario();
            return pending.poll();
        }
        if (roll < 985) {
            return defineAsset();
        }
        return defineInstrument();
    }

    // ---- funds ----

    private Command deposit() {
        final String asset = asset();
        return new Command.Deposit(accountOrOdd(), assetOrOdd(asset), amount(asset), moneyId("d"));
    }

    private Command withdraw() {
        final String asset = asset();
        return new Command.Withdraw(accountOrOdd(), assetOrOdd(asset), amount(asset), moneyId("w"));
    }

    /** Transfers between accounts, with retried ids, transfers to oneself and odd names or amounts now and then. */
    private Command transfer() {
        final String asset = asset();
        final String from = accountOrOdd();
        final String to = random.nextInt(15) == 0 ? from : random.nextInt(20) == 0 ? oddName() : account();
        final String id = random.nextInt(25) == 0 ? maybe("t" + random.nextInt(5)) : "t" + random.nextInt(40);
        return new Command.Transfer(id, from, to, assetOrOdd(asset), amount(asset));
    }

    /** Deposits of a large share of the whole range, so the circulation limit and big notionals get exercised. */
    private Command whaleDeposit() {
        final String asset = random.nextBoolean() ? "JPY" : random.nextBoolean() ? "DOGE" : asset();
        // Long.MAX_VALUE / 2..4 units: the second or third whale deposit of an asset passes the circulation limit.
        final long units = Long.MAX_VALUE / (2 + random.nextInt(3)) + random.nextInt(1000);
        return new Command.Deposit(account(), asset, Decimal.of(units, ASSET_SCALES.get(asset)));
    }

    /**
     * Asks whose notionals are each about 0.6 of the quote's long range, then a MARKET BUY (sometimes by a whale)
     * sweeping them: its cost walk passes the long range, which only exact arithmetic answers correctly. Sometimes a
     * single whale ask, which a rich enough buyer can take, so settlement moves amounts near the range.
     */
    private void whaleScenario() {
        final Market m = market();
        final String buyer = account();
        final int asks = 1 + random.nextInt(2);
        for (int i = 0; i < asks; i++) {
            String seller = account();
            if (seller.equals(buyer)) {
                seller = "w" + i;
            }
            pending.add(new Command.Deposit(seller, m.base(), decimal(m.lotValue().multiply(BigDecimal.TWO))));
            pending.add(new Command.Place(seller, newId(seller), m.symbol(), Side.SELL, OrderType.LIMIT,
                    TimeInForce.GTC, whalePrice(m), decimal(m.lotValue()), false));
        }
        if (random.nextBoolean()) {
            final long units = (long) (Long.MAX_VALUE * (0.55 + 0.4 * random.nextDouble()));
            pending.add(new Command.Deposit(buyer, m.quote(), Decimal.of(units, ASSET_SCALES.get(m.quote()))));
        }
        final BigDecimal lots = BigDecimal.valueOf(1 + random.nextInt(200));
        pending.add(new Command.Place(buyer, newId(buyer), m.symbol(), Side.BUY, OrderType.MARKET, null, null,
                decimal(m.lotValue().multiply(lots)), false));
    }

    private Decimal amount(final String asset) {
        final int scale = ASSET_SCALES.get(asset);
        final int roll = random.nextInt(100);
        if (roll < 94) {
            final BigDecimal typical = new BigDecimal(TYPICAL_DEPOSIT.get(asset)).movePointRight(scale);
            final long units = 1 + (long) (random.nextDouble() * 2.5 * typical.longValue());
            return Decimal.of(units, scale);
        }
        return switch (roll) {
            case 94 -> Decimal.ZERO;
            case 95 -> Decimal.of(-1 - random.nextInt(100), scale);
            case 96 -> Decimal.of(1 + random.nextInt(9), scale + 1 + random.nextInt(3)); // too many decimals
            case 97 -> Decimal.OUT_OF_RANGE;
            case 98 -> Decimal.of(Long.MAX_VALUE, Math.max(0, scale - 1)); // digits fit, scaled do not
            default -> random.nextBoolean() ? null : Decimal.of(Long.MAX_VALUE, scale);
        };
    }

    // ---- orders ----

    private Command place() {
        final Market m = random.nextInt(40) == 0 ? LATE_MARKET : market();
        final String account = account();
        final String id = newId(account);
        marketOfId.putIfAbsent(account + "/" + id, m);
        final Side side = random.nextBoolean() ? Side.BUY : Side.SELL;
        final int kind = random.nextInt(100);
        OrderType type = OrderType.LIMIT;
        TimeInForce tif = TimeInForce.GTC;
        boolean postOnly = false;
        if (kind < 55) {
            type = random.nextInt(5) == 0 ? null : OrderType.LIMIT; // null means LIMIT
            tif = random.nextInt(4) == 0 ? null : TimeInForce.GTC;
            postOnly = random.nextInt(6) == 0;
        } else if (kind < 70) {
            tif = TimeInForce.IOC;
        } else if (kind < 80) {
            tif = TimeInForce.FOK;
        } else if (kind < 94) {
            type = OrderType.MARKET;
            tif = random.nextInt(3) == 0 ? TimeInForce.IOC : null;
        } else {
            // Shapes that must be INVALID_ORDER (or legal by default: orderType null means LIMIT).
            type = random.nextBoolean() ? OrderType.MARKET : null;
            tif = TimeInForce.values()[random.nextInt(3)];
            postOnly = random.nextBoolean();
        }
        Decimal price = type == OrderType.MARKET ? null : price(m, side);
        if (random.nextInt(50) == 0) {
            price = type == OrderType.MARKET ? price(m, side) : null; // price on MARKET, none on LIMIT
        }
        final Decimal quantity = quantity(m, price);
        if (type != OrderType.MARKET && (tif == null || tif == TimeInForce.GTC)) {
            restingCandidates.computeIfAbsent(account, k -> new ArrayList<>()).add(id);
        }
        final int broken = random.nextInt(60);
        return switch (broken) {
            case 0 -> new Command.Place(oddName(), id, m.symbol(), side, type, tif, price, quantity, postOnly);
            case 1 -> new Command.Place(account, oddName(), m.symbol(), side, type, tif, price, quantity, postOnly);
            case 2 -> new Command.Place(account, id, oddName(), side, type, tif, price, quantity, postOnly);
            case 3 -> new Command.Place(account, id, m.symbol(), null, type, tif, price, quantity, postOnly);
            case 4 -> new Command.Place(account, id, m.symbol(), side, type, tif, price, null, postOnly);
            default -> new Command.Place(account, id, m.symbol(), side, type, tif, price, quantity, postOnly);
        };
    }

    private Command cancel() {
        final String account = account();
        return new Command.Cancel(random.nextInt(40) == 0 ? oddName() : account, existingOrNewId(account));
    }

    private Command modify() {
        if (lastModify != null && random.nextInt(6) == 0) {
            return lastModify; // the same modify again
        }
        final String account = account();
        final String id = existingOrNewId(account);
        // Usually the order's own market; otherwise another one, whose prices may be off-tick for this order.
        final Market known = marketOfId.get(account + "/" + id);
        final Market m = known != null && random.nextInt(8) != 0 ? known : market();
        final int what = random.nextInt(20);
        Decimal price = what < 8 ? price(m, random.nextBoolean() ? Side.BUY : Side.SELL) : null;
        Decimal quantity = what >= 5 ? quantity(m, price) : null;
        if (what == 19) {
            price = null;
            quantity = null; // MALFORMED: nothing to change
        }
        lastModify = new Command.Modify(random.nextInt(60) == 0 ? oddName() : account, id, price, quantity);
        if (random.nextInt(4) == 0) {
            pending.add(new Command.QueryOrders(account)); // where the modify left the account's orders
        }
        return lastModify;
    }

    /**
     * A resting order partly filled, then modified to a total below, at or above what has filled and beyond the
     * original size, and the same modify sent again: the cases where total and remaining differ. Other orders on
     * the book may take part of the fill or none; the scenario does not need it to go exactly as planned.
     */
    private void partialFillScenario() {
        final Market m = market();
        final String maker = account();
        final String taker = "p" + random.nextInt(2); // never the maker, so no self-trade cancel
        final Side side = random.nextBoolean() ? Side.BUY : Side.SELL;
        final BigDecimal price = new BigDecimal(m.mid());
        final int lots = 2 + random.nextInt(8);
        final int filledLots = 1 + random.nextInt(lots - 1);
        final BigDecimal lot = m.lotValue();
        final BigDecimal size = lot.multiply(BigDecimal.valueOf(lots));
        final BigDecimal fill = lot.multiply(BigDecimal.valueOf(filledLots));
        // The maker can afford twice its size, so a modify that raises the total can be funded.
        if (side == Side.BUY) {
            pending.add(new Command.Deposit(maker, m.quote(), decimal(price.multiply(size).multiply(BigDecimal.TWO))));
            pending.add(new Command.Deposit(taker, m.base(), decimal(fill)));
        } else {
            pending.add(new Command.Deposit(maker, m.base(), decimal(size.multiply(BigDecimal.TWO))));
            pending.add(new Command.Deposit(taker, m.quote(), decimal(price.multiply(fill))));
        }
        final String id = newId(maker);
        marketOfId.putIfAbsent(maker + "/" + id, m);
        restingCandidates.computeIfAbsent(maker, k -> new ArrayList<>()).add(id);
        pending.add(new Command.Place(maker, id, m.symbol(), side, OrderType.LIMIT, TimeInForce.GTC, decimal(price),
                decimal(size), false));
        pending.add(new Command.Place(taker, "f" + nextId++, m.symbol(), side.opposite(), OrderType.LIMIT,
                TimeInForce.IOC, decimal(price), decimal(fill), false));
        final BigDecimal total = lot.multiply(BigDecimal.valueOf(1 + random.nextInt(lots + 2)));
        final Decimal newPrice = random.nextInt(4) == 0
                ? decimal(price.add(side == Side.BUY ? m.tickValue().negate() : m.tickValue())) : null;
        lastModify = new Command.Modify(maker, id, newPrice, decimal(total));
        pending.add(lastModify);
        pending.add(lastModify);
        if (random.nextBoolean()) {
            pending.add(new Command.Modify(maker, id, decimal(price), null)); // price only: the total stays
        }
        // The maker's open orders, now that modifies may have moved this one behind others at its price.
        pending.add(new Command.QueryOrders(maker));
    }

    /**
     * Mostly a few ticks around the mid: usually on the passive side, so books build some depth, otherwise a tick or
     * two through the mid, so they cross. Sometimes invalid or enormous.
     */
    private Decimal price(final Market m, final Side side) {
        final BigDecimal tick = m.tickValue();
        final int roll = random.nextInt(100);
        if (roll < 93) {
            final long distance = random.nextInt(3) == 0
                    ? -random.nextInt(3)
                    : 1 + Math.round(Math.abs(random.nextGaussian()) * 4);
            final long ticks = side == Side.BUY ? -distance : distance;
            final BigDecimal p = new BigDecimal(m.mid()).add(tick.multiply(BigDecimal.valueOf(ticks)));
            return p.signum() > 0 ? decimal(p) : decimal(tick);
        }
        return switch (roll) {
            case 93 -> Decimal.ZERO;
            case 94 -> decimal(tick.negate());
            case 95 -> decimal(new BigDecimal(m.mid()).add(tick.divide(BigDecimal.TWO))); // off tick
            case 96 -> decimal(new BigDecimal(m.mid()).add(BigDecimal.ONE.movePointLeft(12))); // too precise
            case 97 -> Decimal.OUT_OF_RANGE;
            case 98 -> whalePrice(m);
            default -> largestPrice(m);
        };
    }

    /**
     * Mostly a few lots; sometimes invalid, enormous, or big enough that the notional at {@code price} is near or past
     * the long range of the quote asset.
     */
    private Decimal quantity(final Market m, final Decimal price) {
        final BigDecimal lot = m.lotValue();
        final int roll = random.nextInt(100);
        if (roll < 92) {
            final int lots = random.nextInt(5) == 0 ? 1 + random.nextInt(60) : 1 + random.nextInt(12);
            return decimal(lot.multiply(BigDecimal.valueOf(lots)));
        }
        return switch (roll) {
            case 92 -> Decimal.ZERO;
            case 93 -> decimal(lot.negate());
            case 94 -> decimal(lot.add(lot.divide(BigDecimal.TWO))); // off lot
            case 95 -> decimal(lot.add(BigDecimal.ONE.movePointLeft(
                    ReferenceModel.decimals(lot) + 1 + random.nextInt(3)))); // too precise
            case 96 -> Decimal.OUT_OF_RANGE;
            case 97 -> decimalOrOutOfRange(lot.multiply(BigDecimal.TEN.pow(9 + random.nextInt(8))));
            case 98 -> nearNotionalLimit(m, price);
            default -> decimalOrOutOfRange(lot.multiply(BigDecimal.valueOf(Long.MAX_VALUE / 2 + random.nextInt(3))));
        };
    }

    /** A price at which one lot's notional is about 0.6 of the quote's long range: two such fills overflow a long. */
    private static Decimal whalePrice(final Market m) {
        final BigDecimal range = BigDecimal.valueOf(Long.MAX_VALUE).movePointLeft(ASSET_SCALES.get(m.quote()));
        final BigDecimal target = range.multiply(new BigDecimal("0.6")).divide(m.lotValue());
        return decimalOrOutOfRange(floorToStep(target, m.tickValue()));
    }

    /** The largest price whose count of 10^-decimals(tick) units fits in a long. */
    private static Decimal largestPrice(final Market m) {
        final int decimals = ReferenceModel.decimals(m.tickValue());
        final BigDecimal max = BigDecimal.valueOf(Long.MAX_VALUE).movePointLeft(decimals);
        return decimal(floorToStep(max, m.tickValue()));
    }

    /** A quantity whose notional at the price is just inside or just outside the quote's long range. */
    private Decimal nearNotionalLimit(final Market m, final Decimal price) {
        if (price == null || price.isOutOfRange() || price.signum() <= 0) {
            return decimal(m.lotValue());
        }
        final BigDecimal range = BigDecimal.valueOf(Long.MAX_VALUE).movePointLeft(ASSET_SCALES.get(m.quote()));
        final BigDecimal p = BigDecimal.valueOf(price.unscaled(), price.scale());
        final BigDecimal q = floorToStep(range.divide(p, 40, java.math.RoundingMode.FLOOR), m.lotValue());
        final BigDecimal lots = BigDecimal.valueOf(random.nextInt(3) - 1); // one lot under, at, or over
        final BigDecimal result = q.add(m.lotValue().multiply(lots));
        return result.signum() > 0 ? decimalOrOutOfRange(result) : decimal(m.lotValue());
    }

    private static BigDecimal floorToStep(final BigDecimal value, final BigDecimal step) {
        return value.divideToIntegralValue(step).multiply(step);
    }

    // ---- definitions mid-flow: mostly duplicates and invalid ones, sometimes the late market ----

    private Command defineAsset() {
        return switch (random.nextInt(6)) {
            case 0 -> new Command.DefineAsset(asset(), random.nextInt(19));
            case 1 -> new Command.DefineAsset("XAU", 0);
            case 2 -> new Command.DefineAsset("XAU", random.nextBoolean() ? 19 : -1);
            case 3 -> new Command.DefineAsset(oddName(), 2);
            case 4 -> new Command.DefineAsset("X" + random.nextInt(5), random.nextInt(21));
            default -> new Command.DefineAsset("XAU", random.nextInt(3));
        };
    }

    private Command defineInstrument() {
        final Market late = LATE_MARKET;
        return switch (random.nextInt(10)) {
            case 0, 1, 2 -> new Command.DefineInstrument(late.symbol(), late.base(), late.quote(),
                    Decimal.parse(late.tick()), Decimal.parse(late.lot()));
            case 3 -> new Command.DefineInstrument(market().symbol(), "BTC", "USD", Decimal.of(1, 0),
                    Decimal.of(1, 0)); // DUPLICATE
            case 4 -> new Command.DefineInstrument("Y" + random.nextInt(3), asset(), random.nextBoolean() ? "NOPE"
                    : asset(), Decimal.of(1, 0), Decimal.of(1, 0));
            case 5 -> new Command.DefineInstrument("Z" + random.nextInt(5), asset(), asset(),
                    Decimal.of(1, random.nextInt(12)), Decimal.of(5, random.nextInt(12))); // decimals vs scales
            case 6 -> new Command.DefineInstrument("Z" + random.nextInt(5), asset(), asset(), oddStep(), oddStep());
            case 7 -> new Command.DefineInstrument(maybe("W1"), maybe("ETH"), maybe("USD"),
                    random.nextBoolean() ? null : Decimal.of(1, 2), random.nextBoolean() ? null : Decimal.of(1, 2));
            case 8 -> new Command.DefineInstrument("W" + random.nextInt(3), "", "USD", Decimal.of(1, 0),
                    Decimal.of(1, 0));
            default -> new Command.DefineInstrument("W" + random.nextInt(3), asset(), asset(),
                    Decimal.of(1 + random.nextInt(20), random.nextInt(4)),
                    Decimal.of(1 + random.nextInt(20), random.nextInt(4)));
        };
    }

    private Decimal oddStep() {
        return switch (random.nextInt(5)) {
            case 0 -> Decimal.ZERO;
            case 1 -> Decimal.of(-1, 1);
            case 2 -> Decimal.OUT_OF_RANGE;
            case 3 -> Decimal.of(Long.MAX_VALUE, 0);
            default -> Decimal.of(1, 1);
        };
    }

    // ---- names ----

    private String account() {
        return ACCOUNTS.get(random.nextInt(activeAccounts));
    }

    private String accountOrOdd() {
        return random.nextInt(50) == 0 ? oddName() : account();
    }

    private Market market() {
        return MARKETS.get(random.nextInt(MARKETS.size()));
    }

    private String asset() {
        return ASSETS.get(random.nextInt(ASSETS.size()));
    }

    /** Usually the asset itself; sometimes XAU (unknown until a random definition creates it), unknown or odd. */
    private String assetOrOdd(final String asset) {
        final int roll = random.nextInt(60);
        return roll == 0 ? "XAU" : roll == 1 ? "NOPE" : roll == 2 ? oddName() : asset;
    }

    /** No id (half the time), a repeated one (so some are duplicates), or now and then one outside the rule. */
    private String moneyId(final String prefix) {
        final int roll = random.nextInt(40);
        return roll < 20 ? null : roll == 20 ? oddName() : prefix + random.nextInt(30);
    }

    /** null, empty, a name nobody uses, or one that breaks the rule for names (length, characters, bad text). */
    private String oddName() {
        return switch (random.nextInt(9)) {
            case 0 -> null;
            case 1 -> "";
            case 2 -> "x".repeat(65);
            case 3 -> "a/b";
            case 4 -> "x\ud800y";
            case 5 -> "ev\u202eil";
            case 6 -> "a b";
            case 7 -> "g".repeat(64);
            default -> "ghost";
        };
    }

    private String maybe(final String value) {
        return random.nextInt(4) == 0 ? null : value;
    }

    /** Usually a fresh id; now and then one this account placed before (DUPLICATE_ORDER_ID if it was accepted). */
    private String newId(final String account) {
        final List<String> ids = placedIds.computeIfAbsent(account, k -> new ArrayList<>());
        if (!ids.isEmpty() && random.nextInt(40) == 0) {
            return ids.get(random.nextInt(ids.size()));
        }
        final String id = "o" + nextId++;
        ids.add(id);
        return id;
    }

    /** Mostly one of the account's recent GTC ids (likely still open), sometimes any old or a never used one. */
    private String existingOrNewId(final String account) {
        final List<String> ids = placedIds.getOrDefault(account, List.of());
        final List<String> gtc = restingCandidates.getOrDefault(account, List.of());
        final int roll = random.nextInt(20);
        if (ids.isEmpty() || roll == 0) {
            return random.nextInt(10) == 0 ? oddName() : "never" + random.nextInt(5);
        }
        if (roll < 3 || gtc.isEmpty()) {
            return ids.get(random.nextInt(ids.size()));
        }
        return gtc.get(gtc.size() - 1 - random.nextInt(Math.min(gtc.size(), 15)));
    }

    private static Decimal decimal(final BigDecimal value) {
        return ReferenceModel.decimal(value);
    }

    private static Decimal decimalOrOutOfRange(final BigDecimal value) {
        final BigDecimal v = value.stripTrailingZeros();
        final BigInteger unscaled = v.scale() < 0 ? v.setScale(0).unscaledValue() : v.unscaledValue();
        return unscaled.bitLength() < 64 ? decimal(v) : Decimal.OUT_OF_RANGE;
    }
}
