package org.edgebook.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs one flow through a fresh {@link Engine} and a fresh {@link ReferenceModel} side by side and reports the first
 * command on which they disagree: different events, or (every {@code stateCheckEvery} commands) different open orders,
 * senders' marks, accounts or balances.
 */
final class EngineVsModel {

    /** The first disagreement: the index of the command in the flow and what differed. */
    record Mismatch(int index, String description) {
    }

    private EngineVsModel() {
    }

    /**
     * @param stateCheckEvery compare inspection state after every n-th command (and after the last); 0 for never.
     * @return the first disagreement, or {@code null} when engine and model agree on the whole flow.
     */
    static Mismatch firstMismatch(final List<Command> flow, final int stateCheckEvery) {
        final EventCollector collector = new EventCollector();
        final Engine engine;
        try {
            engine = new Engine(collector);
        } catch (RuntimeException | AssertionError e) {
            return new Mismatch(-1, "new Engine(sink) threw " + stackTrace(e));
        }
        final ReferenceModel model = new ReferenceModel();
        for (int i = 0; i < flow.size(); i++) {
            final long cmd = i + 1;
            final Command command = flow.get(i);
            final List<Event> expected;
            try {
                expected = model.execute(cmd, command);
            } catch (RuntimeException | AssertionError e) {
                return new Mismatch(i, "MODEL threw on cmd " + cmd + " " + command + ": " + stackTrace(e));
            }
            final List<Event> actual;
            try {
                engine.execute(cmd, command);
                actual = collector.drain();
            } catch (RuntimeException | AssertionError e) {
                return new Mismatch(i, "engine threw on cmd " + cmd + " " + command + "\n  expected: "
                        + lines(expected) + "\n  thrown: " + stackTrace(e));
            }
            if (!comparable(expected, command).equals(comparable(actual, command))) {
                return new Mismatch(i, "events differ on cmd " + cmd + " " + command + "\n  expected (model):"
                        + lines(expected) + "\n  actual (engine):" + lines(actual));
            }
            final String detailProblem = missingMalformedDetail(actual);
            if (detailProblem != null) {
                return new Mismatch(i, detailProblem + " on cmd " + cmd + " " + command);
            }
            final boolean last = i == flow.size() - 1;
            if (stateCheckEvery > 0 && (i % stateCheckEvery == 0 || last)) {
                final String stateProblem = stateDifference(engine, model);
                if (stateProblem != null) {
                    return new Mismatch(i, "after cmd " + cmd + " " + command + ": " + stateProblem);
                }
            }
        }
        return null;
    }

    /**
     * Events in a form where equality means "the same answer": the free-text detail of MALFORMED rejections the
     * engine makes up is ignored, and balances compare in order (a Map's equals ignores order).
     */
    private static List<Object> comparable(final List<Event> events, final Command command) {
        final List<Object> result = new ArrayList<>(events.size());
        for (final Event e : events) {
            result.add(switch (e) {
                case Event.Rejected r when r.reason() == RejectReason.MALFORMED
                        && !(command instanceof Command.Malformed) ->
                        new Event.Rejected(r.cmd(), r.reason(), r.account(), r.clientOrderId(), null, r.transferId(),
                                r.originalSeq());
                case Event.Balances b -> List.of("balances", b.cmd(), b.account(), inOrder(b.balances()));
                default -> e;
            });
        }
        return result;
    }

    private static List<List<Object>> inOrder(final Map<String, Event.Balance> balances) {
        final List<List<Object>> entries = new ArrayList<>();
        balances.forEach((asset, balance) -> entries.add(List.of(asset, balance)));
        return entries;
    }

    /** The spec says a MALFORMED rejection's detail says what is wrong. */
    private static String missingMalformedDetail(final List<Event> events) {
        for (final Event e : events) {
            if (e instanceof Event.Rejected r && r.reason() == RejectReason.MALFORMED
                    && (r.detail() == null || r.detail().isBlank())) {
                return "MALFORMED rejection without a detail: " + r;
            }
        }
        return null;
    }

    private static String stateDifference(final Engine engine, final ReferenceModel model) {
        final List<OpenOrder> expectedOrders = model.openOrders();
        final List<OpenOrder> actualOrders = engine.openOrders();
        if (!expectedOrders.equals(actualOrders)) {
            return "openOrders() differ\n  expected (model):" + lines(expectedOrders) + "\n  actual (engine):"
                    + lines(actualOrders);
        }
        if (!model.senderMarks().equals(engine.senderMarks())
                || !List.copyOf(model.senderMarks().keySet()).equals(List.copyOf(engine.senderMarks().keySet()))) {
            return "senderMarks() differ: expected " + model.senderMarks() + " actual " + engine.senderMarks();
        }
        final List<String> accounts = model.accounts();
        if (!accounts.equals(engine.accounts())) {
            return "accounts() differ: expected " + accounts + " actual " + engine.accounts();
        }
        for (final String account : accounts) {
            final List<List<Object>> expected = inOrder(model.balances(account));
            final List<List<Object>> actual = inOrder(engine.balances(account));
            if (!expected.equals(actual)) {
                return "balances(" + account + ") differ: expected " + expected + " actual " + actual;
            }
        }
        return null;
    }

    static String lines(final List<?> items) {
        final StringBuilder sb = new StringBuilder();
        for (final Object item : items) {
            sb.append("\n    ").append(item);
        }
        return items.isEmpty() ? " (none)" : sb.toString();
    }

    private static String stackTrace(final Throwable e) {
        final StringBuilder sb = new StringBuilder(e.toString());
        final StackTraceElement[] trace = e.getStackTrace();
        for (int i = 0; i < Math.min(8, trace.length); i++) {
            sb.append("\n      at ").append(trace[i]);
        }
        return sb.toString();
    }
}
