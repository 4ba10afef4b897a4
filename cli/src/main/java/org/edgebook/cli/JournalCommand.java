package org.edgebook.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.edgebook.codec.JsonCommandWriter;
import org.edgebook.engine.EventSink;
import org.edgebook.journal.CorruptJournalException;
import org.edgebook.journal.JournalScanner;
import org.edgebook.journal.SnapshotStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code edgebook journal verify|dump DIR}: read a journal directory without changing it. */
@Command(name = "journal", mixinStandardHelpOptions = true,
        description = "Checks or prints a journal directory. Reads only; never changes a file.",
        subcommands = {JournalCommand.Verify.class, JournalCommand.Dump.class})
final class JournalCommand implements Runnable {

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {
                    "Checks every frame, record and snapshot: checksums, lengths, the unbroken run of sequence "
                            + "numbers, and that every command decodes.",
                    "Prints counts and the last good position. Exit code 0 when sound (a torn last write, which "
                            + "recovery truncates, is reported but sound), 2 on corruption."})
    static final class Verify implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "The journal directory.")
        private Path dir;

        @Override
        public Integer call() throws IOException {
            int problems = 0;
            final List<Path> snapshots = new SnapshotStore(dir).list();
            for (final Path snapshot : snapshots) {
                try {
                    final SnapshotStore.Loaded loaded = SnapshotStore.load(snapshot, EventSink.DISCARD);
                    System.out.printf("snapshot %s: ok, at sequence %d%n", snapshot.getFileName(), loaded.seq());
                } catch (final IOException e) {
                    problems++;
                    System.out.printf("snapshot %s: DAMAGED: %s%n", snapshot.getFileName(), e.getMessage());
                }
            }
            try {
                final JournalScanner.Result scan = JournalScanner.scan(dir, 0, false, (s, t, c) -> {}); // decodes all
                System.out.printf("journal: %d segments, %d records, sequence %d to %d%n", scan.segments(),
                        scan.records(), scan.records() == 0 ? 0 : scan.firstSeq(), scan.lastSeq());
                if (scan.tornTail() != null) {
                    System.out.printf("journal: torn last write in %s at offset %d (%d bytes); recovery will "
                            + "truncate it: it was never acknowledged%n", scan.tornTail().file(),
                            scan.tornTail().offset(), scan.tornTail().droppedBytes());
                }
                System.out.printf("last good position: sequence %d%n", scan.lastSeq());
            } catch (final CorruptJournalException e) {
                System.out.println("journal: CORRUPT: " + e.getMessage());
                return 2;
            }
            if (problems > 0) {
                System.out.println(problems + " damaged snapshot(s); recovery falls back to an older one, or to "
                        + "the journal alone");
                return 2;
            }
            return 0;
        }
    }

    @Command(name = "dump", mixinStandardHelpOptions = true,
            description = {"Prints the journal's commands as JSON lines, in sequence order: the format replay "
                    + "reads.", "A line that was unreadable is printed as {\"type\":\"malformed\",\"detail\":…}, which "
                            + "replay again rejects MALFORMED."})
    static final class Dump implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "The journal directory.")
        private Path dir;

        @Option(names = "--from", paramLabel = "SEQ", defaultValue = "1",
                description = "Start at this sequence number (default ${DEFAULT-VALUE}).")
        private long from;

        @Option(names = "--seq", description = "Start each line with the sequence number and a tab.")
        private boolean withSeq;

        @Override
        public Integer call() throws IOException {
            try (OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
                 JsonCommandWriter writer = new JsonCommandWriter(out)) {
                JournalScanner.scan(dir, from - 1, true, (seq, time, command) -> {
                    if (withSeq) {
                        writer.flush();
                        out.write((seq + "\t").getBytes(StandardCharsets.US_ASCII));
                    }
                    writer.write(command);
                });
                writer.flush();
            }
            return 0;
        }
    }
}
