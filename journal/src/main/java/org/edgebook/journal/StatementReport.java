package org.edgebook.journal;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.edgebook.codec.JsonText;
import org.edgebook.engine.Command;
import org.edgebook.engine.Engine;
import org.edgebook.engine.Event;
import org.edgebook.engine.EventCollector;

/**
 * An account's statement for one UTC day, from the journal: opening balances (available + reserved, per asset) at the
 * start of the day, every movement during it (deposits, withdrawals, transfers in and out, the two legs of each trade),
 * and closing balances at its end. Opening plus movements equals closing for every asset, to the last unit, and the
 * statement says whether it does ({@code "reconciles"}). Movements between available and reserved (holds) are not
 * movements of the account's money and are left out.
 * <p>
 * Threading: the calling thread.
 */
public final class StatementReport {

    /** One change of the account's money. */
    public record Movement(long seq, long timeMicros, String kind, String asset, BigDecimal amount, String reference) {
    }

    /** The statement; {@code reconciles} is checked, not assumed. */
    public record Statement(String account, LocalDate date, Map<String, BigDecimal> opening, List<Movement> movements,
                            Map<String, BigDecimal> closing, boolean reconciles) {
    }

    private StatementReport() {
    }

    public static Statement build(final Path dir, final String account, final LocalDate date) throws IOException {
        final long dayStart = UtcMicros.parse(date.toString());
        final long dayEnd = dayStart + 86_400_000_000L;
        final EventCollector events = new EventCollector();
        final JournalStart start = JournalStart.of(dir, new EventSinkSwitch(events));
        final Engine engine = start.engine();
        final Map<String, BigDecimal>[] opening = new Map[1];
        final Map<String, BigDecimal>[] closing = new Map[1];
        final List<Movement> movements = new ArrayList<>();
        JournalScanner.scan(dir, start.seq(), true, (seq, time, command) -> {
            if (time >= dayStart && opening[0] == null) {
                opening[0] = totals(engine, account);
            }
            if (time >= dayEnd && closing[0] == null) {
                closing[0] = totals(engine, account);
            }
            engine.execute(seq, command);
            final List<Event> caused = events.drain();
            if (time >= dayStart && time < dayEnd) {
                collect(seq, time, command, caused, account, engine, movements);
            }
        });
        if (opening[0] == null) {
            opening[0] = totals(engine, account); // the day began after the last command
        }
        if (closing[0] == null) {
            closing[0] = totals(engine, account); // the day is not over, or nothing came after it
        }
        return of(account, date, opening[0], movements, closing[0]);
    }

    /** A statement of the given parts, with {@code reconciles} computed: opening plus movements against closing. */
    static Statement of(final String account, final LocalDate date, final Map<String, BigDecimal> opening,
                        final List<Movement> movements, final Map<String, BigDecimal> closing) {
        final Map<String, BigDecimal> expected = new LinkedHashMap<>(opening);
        for (final Movement m : movements) {
            expected.merge(m.asset(), m.amount(), BigDecimal::add);
        }
        return new Statement(account, date, opening, movements, closing, sameAmounts(expected, closing));
    }

    /** Receives one account's movement. */
    @FunctionalInterface
    interface MovementSink {
        void movement(String account, Movement movement);
    }

    private static void collect(final long seq, final long time, final Command command, final List<Event> caused,
                                final String account, final Engine engine, final List<Movement> movements) {
        movements(seq, time, command, caused, engine, (owner, m) -> {
            if (account.equals(owner)) {
                movements.add(m);
            }
        });
    }

    /**
     * Every account's movements caused by one command, in the order a statement lists them: deposits, withdrawals,
     * both ends of a transfer, the buyer's two legs of a trade and then the seller's. {@code engine} has executed the
     * command (it names each market's assets).
     */
    static void movements(final long seq, final long time, final Command journaled, final List<Event> caused,
                          final Engine engine, final MovementSink sink) {
        final Command command = Command.unwrap(journaled); // a sourced command that ran is its command's movements
        for (final Event event : caused) {
            switch (event) {
                case Event.Ok ok when command instanceof Command.Deposit d && d.account() != null ->
                        sink.movement(d.account(), new Movement(seq, time, "deposit", d.asset(),
                                big(d.amount().toString()), null));
                case Event.Ok ok when command instanceof Command.Withdraw w && w.account() != null ->
                        sink.movement(w.account(), new Movement(seq, time, "withdrawal", w.asset(),
                                big(w.amount().toString()).negate(), null));
                case Event.Transferred t -> {
                    if (t.from() != null) {
                        sink.movement(t.from(), new Movement(seq, time, "transfer_out", t.asset(),
                                big(t.amount().toString()).negate(), t.transferId()));
                    }
                    if (t.to() != null && !t.to().equals(t.from())) {
                        sink.movement(t.to(), new Movement(seq, time, "transfer_in", t.asset(),
                                big(t.amount().toString()), t.transferId()));
                    }
                }
                case Event.Trade t -> trade(seq, time, t, engine, sink);
                default -> {
                }
            }
        }
    }

    private static void trade(final long seq, final long time, final Event.Trade t, final Engine engine,
                              final MovementSink sink) {
        final String buyer = t.takerSide() == org.edgebook.engine.Side.BUY ? t.takerAccount() : t.makerAccount();
        final String seller = t.takerSide() == org.edgebook.engine.Side.BUY ? t.makerAccount() : t.takerAccount();
        final String quote = engine.quoteAsset(t.symbol());
        final String base = engine.baseAsset(t.symbol());
        final BigDecimal quantity = big(t.quantity().toString());
        final BigDecimal notional = quantity.multiply(big(t.price().toString()));
        final String buy = t.symbol() + " buy " + quantity.toPlainString() + " @ " + t.price();
        final String sell = t.symbol() + " sell " + quantity.toPlainString() + " @ " + t.price();
        // A self-trade: the account is the buyer (both legs), so its reference says buy, then also the seller.
        final String sellReference = seller.equals(buyer) ? buy : sell;
        sink.movement(buyer, new Movement(seq, time, "buy", base, quantity, buy));
        sink.movement(buyer, new Movement(seq, time, "buy", quote, notional.negate(), buy));
        sink.movement(seller, new Movement(seq, time, "sell", base, quantity.negate(), sellReference));
        sink.movement(seller, new Movement(seq, time, "sell", quote, notional, sellReference));
    }

    static Map<String, BigDecimal> totals(final Engine engine, final String account) {
        final Map<String, BigDecimal> totals = new LinkedHashMap<>();
        engine.balances(account).forEach((asset, b) -> totals.put(asset, big(b.available().toString()).add(big(b
                .reserved().toString()))));
        return totals;
    }

    private static boolean sameAmounts(final Map<String, BigDecimal> a, final Map<String, BigDecimal> b) {
        final java.util.Set<String> assets = new java.util.HashSet<>(a.keySet());
        assets.addAll(b.keySet());
        for (final String asset : assets) {
            if (a.getOrDefault(asset, BigDecimal.ZERO).compareTo(b.getOrDefault(asset, BigDecimal.ZERO)) != 0) {
                return false;
            }
        }
        return true;
    }

    private static BigDecimal big(final String decimal) {
        return new BigDecimal(decimal);
    }

    /** The statement as one JSON document. */
    public static void writeJson(final Statement s, final OutputStream out) throws IOException {
        final StringBuilder json = new StringBuilder(1024);
        json.append("{\"account\":\"").append(JsonText.escape(s.account())).append("\",\"date\":\"").append(s.date())
                .append("\",\"opening\":").append(amounts(s.opening())).append(",\"movements\":[");
        for (int i = 0; i < s.movements().size(); i++) {
            final Movement m = s.movements().get(i);
            json.append(i == 0 ? "" : ",").append("{\"seq\":").append(m.seq()).append(",\"time\":\"")
                    .append(UtcMicros.instant(m.timeMicros()))
                    .append("\",\"kind\":\"").append(m.kind()).append("\",\"asset\":\"").append(m.asset())
                    .append("\",\"amount\":\"").append(m.amount().stripTrailingZeros().toPlainString()).append('"');
            if (m.reference() != null) {
                json.append(",\"reference\":\"").append(JsonText.escape(m.reference())).append('"');
            }
            json.append('}');
        }
        json.append("],\"closing\":").append(amounts(s.closing())).append(",\"reconciles\":").append(s.reconciles())
                .append("}\n");
        out.write(json.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String amounts(final Map<String, BigDecimal> amounts) {
        final StringBuilder json = new StringBuilder("{");
        amounts.forEach((asset, amount) -> json.append(json.length() > 1 ? "," : "").append('"').append(JsonText.escape(
                asset))
                .append("\":\"").append(amount.stripTrailingZeros().toPlainString()).append('"'));
        return json.append('}').toString();
    }
}
