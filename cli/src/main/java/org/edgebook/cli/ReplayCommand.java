package org.edgebook.cli;

import java.io.BufferedOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.edgebook.codec.Replay;
import org.edgebook.journal.DurableReplay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code edgebook replay}: commands (JSON lines) in, events (JSON lines) out, a summary on stderr. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Runs a command file through a fresh engine and writes its events.",
                "Commands and events are JSON lines (docs/semantics.md). Streams: memory does not grow with the file.",
                "With --journal, nothing is released before it is durable, and a restart recovers."})
final class ReplayCommand implements Callable<Integer> {

    @Option(names = "--in", paramLabel = "FILE", description = "Commands to read (default: standard input).")
    private Path in;

    @Option(names = "--out", paramLabel = "FILE", description = "Where to write events (default: standard output).")
    private Path out;

    @Option(names = "--journal", paramLabel = "DIR", description = {"Journal every command in DIR and release its "
            + "events only once the journal is forced to disk.", "A restart with the same DIR recovers and carries "
                    + "on where it stopped."})
    private Path journal;

    @picocli.CommandLine.Mixin
    private JournalFlags journalFlags;

    @Override
    public Integer call() throws IOException {
        try (InputStream input = in == null ? System.in : new FileInputStream(in.toFile());
             OutputStream output = new BufferedOutputStream(
                     out == null ? new FileOutputStream(java.io.FileDescriptor.out) : new FileOutputStream(out
                             .toFile()),
                     1 << 16)) {
            final Replay.Summary summary = journal == null
                    ? Replay.run(input, output)
                    : DurableReplay.run(input, output, journalFlags.options(journal), warning -> System.err.println(
                            "edgebook: " + warning),
                            info -> System.err.println("edgebook: " + info));
            output.flush();
            System.err.println(summary.describe());
        }
        return 0;
    }
}
