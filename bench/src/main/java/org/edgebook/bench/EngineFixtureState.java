package org.edgebook.bench;

import org.edgebook.engine.Command;
import org.edgebook.engine.Engine;

/**
 * A pre-generated command stream and a fresh engine brought to steady state: setup (assets, markets, deposits),
 * an optional prefilled book, then a warm-up prefix of the mix. Benchmarks then feed {@link #commands} from
 * {@link #cursor}. Generating happens once per trial; each iteration gets a fresh engine fed the same commands.
 */
final class EngineFixtureState {
    Command[] setup;
    Command[] commands;
    Engine engine;
    CountingSink sink;
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
        sink = new CountingSink();
        engine = new Engine(sink);
        cmd = 0;
        for (final Command command : setup) {
            engine.execute(++cmd, command);
        }
        sink = resetCounts(sink);
        cursor = 0;
        System.gc();
    }

    private CountingSink resetCounts(final CountingSink s) {
        s.events = 0;
        s.rejections = 0;
        s.trades = 0;
        s.cancels = 0;
        s.unknownOrders = 0;
        return s;
    }

    void executeNext() {
        if (cursor == commands.length) {
            throw new IllegalStateException("pre-generated commands exhausted: raise the pool or shorten iterations");
        }
        engine.execute(++cmd, commands[cursor++]);
    }
}
