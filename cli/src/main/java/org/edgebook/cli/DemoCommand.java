package org.edgebook.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import org.edgebook.codec.CommandDecoder;
import org.edgebook.codec.LineReader;
import org.edgebook.engine.Command;
import org.edgebook.engine.Engine;
import org.edgebook.engine.Event;
import org.edgebook.engine.EventCollector;
import picocli.CommandLine.Option;

/** {@code edgebook demo}: replays the bundled example flow and tells, line by line, what the engine did. */
@picocli.CommandLine.Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Replays the bundled example market and tells what the engine did.",
                "Two instruments, four accounts: for every command, its trades, cancels and rejections, then the",
                "final books and balances."})
final class DemoCommand implements Callable<Integer> {
    static final String FLOW = "/examples/demo.jsonl";

    @Option(names = "--flow", description = "Print the example flow's JSON lines instead of running it.")
    private boolean printFlow;

    @Override
    public Integer call() throws IOException {
        final PrintStream out = System.out;
        try (InputStream in = DemoCommand.class.getResourceAsStream(FLOW)) {
            if (printFlow) {
                in.transferTo(out);
                return 0;
            }
            run(in, out);
        }
        return 0;
    }

    static void run(final InputStream in, final PrintStream out) throws IOException {
        final LineReader lines = new LineReader(in);
        final CommandDecoder decoder = new CommandDecoder();
        final EventCollector events = new EventCollector();
        final Engine engine = new Engine(events);
        out.println("edgebook demo: the bundled example flow (print it with: ./edgebook demo --flow)");
        out.println();
        int commands = 0;
        int trades = 0;
        int rejections = 0;
        while (lines.next()) {
            if (lines.isBlank()) {
                out.println();
                continue;
            }
            final Command command = decoder.decode(lines.buffer(), lines.offset(), lines.length());
            engine.execute(lines.lineNumber(), command);
            commands++;
            out.printf("%3d  %s%n", lines.lineNumber(), Narration.command(command));
            final List<Event> caused = events.drain();
            for (final Event event : caused) {
                trades += event instanceof Event.Trade ? 1 : 0;
                rejections += event instanceof Event.Rejected ? 1 : 0;
                for (final String line : Narration.event(event)) {
                    out.printf("       %s%n", line);
                }
            }
        }
        out.println();
        out.printf("%d commands: %d trades, %d rejections.%n", commands, trades, rejections);
        out.println("Run your own flow: ./edgebook replay --in FILE   (format: docs/semantics.md)");
    }
}
