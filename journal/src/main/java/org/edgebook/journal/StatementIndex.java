package org.edgebook.journal;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.edgebook.engine.Command;
import org.edgebook.engine.Engine;
import org.edgebook.engine.Event;
import org.edgebook.engine.EventCollector;

/**
 * Statements of a growing journal without replaying it for each one. The first statement replays the journal once
 * (as {@link StatementReport#build} does) and keeps, per account and UTC day on which anything touched the account,
 * the day's movements and its closing balances (available + reserved, per asset, read from the engine when the day
 * ends). Each later statement first replays only the records journaled since the one before (read from the byte
 * where the last read stopped, {@link JournalTail}), then answers from the
 * index: the opening balances are the closing balances of the account's last touched day before the date, the
 * movements are the day's, the closing balances those of the day (or the engine's now, for the day still going). The
 * statement is the same as {@link StatementReport#build}'s, {@code reconciles} included: closing balances are the
 * engine's, never opening plus movements.
 * <p>
 * Days follow the records' times; a record stamped earlier than the one before it (the clock stepped back across
 * midnight) counts in the later day, so a day never reopens.
 * <p>
 * Memory: a second engine replaying the journal (its state, like the service's), every movement of every account
 * (about 150 bytes each; a trade has four) and one balance map per touched account and day.
 * <p>
 * Threading: thread-safe; statements are answered one at a time (the catch-up replay is under the lock).
 */
public final class StatementIndex {
    private static final long DAY_MICROS = 86_400_000_000L;

    /** One account's day: what moved, and the balances at its end once it is over. */
    private static final class Day {
        final List<StatementReport.Movement> movements = new ArrayList<>(4);
        Map<String, BigDecimal> closing;
    }

    private final Path dir;
    private final EventCollector events = new EventCollector();
    private final Map<String, TreeMap<Long, Day>> accounts = new HashMap<>();
    /** Accounts touched during {@link #currentDay}: their closing balances are read when it ends. */
    private final Set<String> touched = new HashSet<>();
    /** Balances of the accounts the replay started with (from a snapshot, when older segments were pruned). */
    private final Map<String, Map<String, BigDecimal>> initial = new HashMap<>();
    private Engine engine;
    private long lastSeq;
    private long currentDay = Long.MIN_VALUE;
    private long replayed;
    private final JournalTail tail = new JournalTail();
    private JournalTail.Position position;

    public StatementIndex(final Path dir) {
        this.dir = dir;
    }

    /** The statement of {@code account} for {@code date}, after catching up with the journal. */
    public synchronized StatementReport.Statement statement(final String account, final LocalDate date)
            throws IOException {
        catchUp();
        final long dayStart = UtcMicros.parse(date.toString());
        if (currentDay == Long.MIN_VALUE || dayStart > currentDay) {
            final Map<String, BigDecimal> now = StatementReport.totals(engine, account);
            return StatementReport.of(account, date, now, List.of(), now); // the day has not begun
        }
        final TreeMap<Long, Day> days = accounts.getOrDefault(account, new TreeMap<>());
        final Map.Entry<Long, Day> before = days.lowerEntry(dayStart);
        final Map<String, BigDecimal> opening = before == null ? initial(account) : before.getValue().closing;
        final Day day = days.get(dayStart);
        final List<StatementReport.Movement> movements = day == null ? List.of() : List.copyOf(day.movements);
        final Map<String, BigDecimal> closing;
        if (dayStart == currentDay) {
            closing = StatementReport.totals(engine, account); // the day is still going
        } else {
            final Map.Entry<Long, Day> last = days.floorEntry(dayStart);
            closing = last == null ? initial(account) : last.getValue().closing;
        }
        return StatementReport.of(account, date, opening, movements, closing);
    }

    /** Records replayed so far: the whole journal once, then only what was journaled since. */
    public synchronized long replayed() {
        return replayed;
    }

    private Map<String, BigDecimal> initial(final String account) {
        return initial.getOrDefault(account, Map.of());
    }

    /** Replays the records journaled since the last call, reading from where that one stopped. */
    private void catchUp() throws IOException {
        if (engine == null) {
            final JournalStart start = JournalStart.of(dir, new EventSinkSwitch(events));
            engine = start.engine();
            lastSeq = start.seq();
            position = new JournalTail.Position(null, 0, start.seq() + 1);
            for (final String account : engine.accounts()) {
                initial.put(account, StatementReport.totals(engine, account));
            }
        }
        position = tail.read(dir, position, lastSeq, this::record);
    }

    private void record(final long seq, final long time, final Command command) {
        final long day = Math.max(currentDay, Math.floorDiv(time, DAY_MICROS) * DAY_MICROS);
        if (day != currentDay) {
            closeDay();
            currentDay = day;
        }
        engine.execute(seq, command);
        final List<Event> caused = events.drain();
        StatementReport.movements(seq, time, command, caused, engine,
                (account, movement) -> day(account).movements.add(movement));
        // Any account the command or its events name may have had its balances changed: its day gets a closing.
        final String commandAccount = switch (Command.unwrap(command)) {
            case Command.Deposit c -> c.account();
            case Command.Withdraw c -> c.account();
            case Command.Transfer c -> c.from();
            case Command.Place c -> c.account();
            case Command.Cancel c -> c.account();
            case Command.Modify c -> c.account();
            default -> null;
        };
        if (commandAccount != null) {
            day(commandAccount);
        }
        for (final Event event : caused) {
            switch (event) {
                case Event.Trade t -> {
                    day(t.makerAccount());
                    day(t.takerAccount());
                }
                case Event.Transferred t -> {
                    day(t.from());
                    day(t.to());
                }
                default -> {
                }
            }
        }
        lastSeq = seq;
        replayed++;
    }

    /** The account's entry for the current day, made on first touch. */
    private Day day(final String account) {
        touched.add(account);
        return accounts.computeIfAbsent(account, a -> new TreeMap<>()).computeIfAbsent(currentDay, d -> new Day());
    }

    private void closeDay() {
        for (final String account : touched) {
            accounts.get(account).get(currentDay).closing = StatementReport.totals(engine, account);
        }
        touched.clear();
    }
}
