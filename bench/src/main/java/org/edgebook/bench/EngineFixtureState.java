package org.edgebook.bench;

import org.edgebook.engine.Command;
import org.edgebook.engine.Engine;
import org.edgebook.engine.EventCounter;
import org.edgebook.engine.EventSink;

/**
 * A pre-generated command stream and a fresh engine brought to steady state: setup (assets, markets, deposits),
 * an optional prefilled book, then a warm-up prefix of the mix. Benchmarks then feed {@link #commands} from
 * {@link #cursor}. Generating happens once per trial; each iteration gets a fresh engine fed the same commands.
 */
final class EngineFixtureState {
    Command[] setup;
    Command[] commands;
    Engine engine;
    EventCounter sink;
    int cursor;
    long cmd;

    void generate(final Workload workload, final int prefill, final int prefillLevels, final int warmup,
                  final int measured) {
        final java.util.List<Command> list = new java.util.ArrayList<>(workload.setup());
        list.addAll(workload.prefill(prefill, prefillLevels));
        for (int i = 0; i < warmup; i++) {
            list.add(workload.next());
        }
        setup = list.toArray(Command[]::new);
        commands = workload.commands(measured);
    }

    void freshEngine() {
        sink = new EventCounter(EventSink.DISCARD);
        engine = new Engine(sink);
        cmd = 0;
        for (final Command command : setup) {
            engine.execute(++cmd, command);
        }
        sink.reset();
        cursor = 0;
        System.gc();
    }

    /** What the measured commands did: events per command, trades and rejections as fractions. */
    String describe() {
        final long commands = cursor;
        return String.format(java.util.Locale.ROOT,
                "%d commands: %.2f events/cmd, %.1f%% trades/cmd, %.1f%% rejected (%.1f%% UNKNOWN_ORDER)",
                commands, (double) sink.events() / commands, 100.0 * sink.trades() / commands,
                100.0 * sink.rejections() / commands, 100.0 * sink.unknownOrders() / commands);
    }

    void executeNext() {
        if (cursor == commands.length) {
            throw new IllegalStateException("pre-generated commands exhausted: raise the pool or shorten iterations");
        }
        engine.execute(++cmd, commands[cursor++]);
    }
}
