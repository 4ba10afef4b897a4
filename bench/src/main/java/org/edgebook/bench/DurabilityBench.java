package org.edgebook.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;
import org.edgebook.codec.JsonCommandWriter;
import org.edgebook.codec.Replay;
import org.edgebook.engine.Command;
import org.edgebook.engine.EventSink;
import org.edgebook.journal.DurableReplay;
import org.edgebook.journal.EventSinkSwitch;
import org.edgebook.journal.JournalOptions;
import org.edgebook.journal.JournalScanner;
import org.edgebook.journal.JournalWriter;
import org.edgebook.journal.Recovery;
import org.edgebook.journal.SnapshotStore;

/**
 * The durability load harness: {@code java -cp bench/target/benchmarks.jar org.edgebook.bench.DurabilityBench MODE
 * DIR [N]}. Modes:
 * <ul>
 *   <li>{@code fsync DIR}: the disk's own latency for a 4 KiB write and force, the physical limit of durability;</li>
 *   <li>{@code journal DIR N}: N records of a 64-byte class through the journal writer in group-committed batches;</li>
 *   <li>{@code latency DIR RATE SECONDS}: a constant offered load through the whole durable pipeline (JSON in, engine,
 *       journal, events out), ack latency from each command's intended send time (coordinated omission corrected);</li>
 *   <li>{@code prepare-recovery DIR ORDERS TAIL}: a directory with a snapshot of 10,000 accounts and ORDERS open
 *       orders, then TAIL more commands in the journal; {@code prepare-journal DIR N}: N commands, no snapshot;</li>
 *   <li>{@code recover DIR}: recovers DIR in this (fresh) JVM and reports the time from the JVM's start to recovered,
 *       split into the JVM's own start-up to {@code main()}, the snapshot load and the journal tail.</li>
 * </ul>
 */
public final class DurabilityBench {
    private DurabilityBench() {
    }

    public static void main(final String[] args) throws Exception {
        final long mainMillis = System.currentTimeMillis(); // first: the JVM's start time is asked for after the run
        final long mainNanos = System.nanoTime();
        if (args.length < 2) {
            System.err.println("usage: DurabilityBench fsync|journal|latency|prepare-recovery|prepare-journal|recover "
                    + "DIR [args]");
            System.exit(2);
        }
        final Path dir = Path.of(args[1]);
        switch (args[0]) {
            case "fsync" -> fsync(dir);
            case "journal" -> journal(dir, Integer.parseInt(args[2]));
            case "latency" -> latency(dir, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "prepare-recovery" -> prepareRecovery(dir, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "prepare-journal" -> prepareJournal(dir, Integer.parseInt(args[2]));
            case "recover" -> recover(dir, mainMillis, mainNanos);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static void fsync(final Path dir) throws IOException {
        Files.createDirectories(dir);
        final Path file = dir.resolve("fsync-probe.bin");
        final Histogram histogram = new Histogram(3);
        final ByteBuffer block = ByteBuffer.allocate(4096);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int i = 0; i < 2_000; i++) {
                block.clear();
                final long start = System.nanoTime();
                channel.write(block);
                channel.force(false);
                if (i >= 200) {
                    histogram.recordValue(System.nanoTime() - start);
                }
            }
        }
        Files.delete(file);
        System.out.println("fsync (4 KiB append + FileChannel.force): " + percentiles(histogram));
    }

    private static void journal(final Path dir, final int records) throws IOException {
        final List<Command> commands = new ArrayList<>();
        final Workload workload = new Workload(42, 10, 10_000, Workload.REALISTIC);
        for (int i = 0; i < 100_000; i++) {
            commands.add(workload.next());
        }
        for (final int batchSize : new int[] {1, 64, 4096}) {
            final Path run = dir.resolve("journal-" + batchSize);
            deleteRecursively(run);
            final ByteBuffer batch = ByteBuffer.allocate(8 << 20);
            final int total = batchSize == 1 ? Math.min(records, 5_000) : records;
            final long start = System.nanoTime();
            long bytes = 0;
            try (JournalWriter writer = new JournalWriter(run, 1, 64L << 20, JournalWriter.Clock.SYSTEM)) {
                long seq = 1;
                while (seq <= total) {
                    batch.clear();
                    final long first = seq;
                    for (int i = 0; i < batchSize && seq <= total; i++, seq++) {
                        JournalWriter.encode(seq, seq, "bench", commands.get((int) (seq % commands.size())), batch);
                    }
                    batch.flip();
                    bytes += writer.write(batch, first); // frames: compressed, with their headers
                }
            }
            final double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "journal, batches of %d: %,d records forced in %.2f s = %,.0f records/s, "
                    + "%.1f bytes/record%n", batchSize, total, seconds, total / seconds, (double) bytes / total);
            deleteRecursively(run);
        }
    }

    /** Offers commands at a constant rate through the durable pipeline and measures each ack. */
    private static void latency(final Path dir, final int rate, final int seconds) throws IOException {
        deleteRecursively(dir);
        final Workload workload = new Workload(42, 10, 10_000, Workload.REALISTIC);
        final List<Command> setup = workload.setup();
        final int total = setup.size() + rate * seconds;
        final byte[][] lines = new byte[total][];
        for (int i = 0; i < total; i++) {
            final ByteArrayOutputStream out = new ByteArrayOutputStream(160);
            try (JsonCommandWriter writer = new JsonCommandWriter(out)) {
                writer.write(i < setup.size() ? setup.get(i) : workload.next());
            }
            lines[i] = out.toByteArray();
        }
        final long[] intended = new long[total + 1];
        final Histogram histogram = new Histogram(60_000_000_000L, 3);
        final PacedInput input = new PacedInput(lines, setup.size(), rate, intended);
        final AckRecorder output = new AckRecorder(intended, setup.size(), histogram);
        final Replay.Summary summary = DurableReplay.run(input, output, new JournalOptions(dir, 64L << 20, 0,
                2), w -> System.err.println(w));
        System.out.printf(Locale.ROOT, "offered %,d commands/s for %d s after a setup of %,d: %,d commands, %,.0f "
                + "commands/s achieved%nack latency (from intended send to events released after the force): %s%n",
                rate, seconds, setup.size(), summary.commands(), (total - setup.size()) / (double) seconds,
                percentiles(histogram));
        deleteRecursively(dir);
    }

    /** Serves JSON lines no earlier than their intended times; the setup lines at once. */
    private static final class PacedInput extends InputStream {
        private final byte[][] lines;
        private final int setup;
        private final long intervalNanos;
        private final long[] intended;
        private long start;
        private int next;
        private int offset;

        PacedInput(final byte[][] lines, final int setup, final int rate, final long[] intended) {
            this.lines = lines;
            this.setup = setup;
            this.intervalNanos = 1_000_000_000L / rate;
            this.intended = intended;
        }

        private long due(final int i) {
            if (i < setup) {
                return 0;
            }
            if (start == 0) {
                start = System.nanoTime() + 200_000_000L; // let the setup land first
            }
            return start + (i - setup) * intervalNanos;
        }

        @Override
        public int available() {
            int bytes = 0;
            final long now = System.nanoTime();
            for (int i = next; i < lines.length && due(i) <= now && bytes < 1 << 16; i++) {
                bytes += lines[i].length - (i == next ? offset : 0);
            }
            return bytes;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(final byte[] b, final int off, final int len) {
            if (next == lines.length) {
                return -1;
            }
            long wait;
            while ((wait = due(next) - System.nanoTime()) > 0) {
                // Park rather than spin: on two cores a spinning feeder would take the journaler's or engine's core.
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
            int n = 0;
            while (n < len && next < lines.length && due(next) <= System.nanoTime()) {
                final int copy = Math.min(len - n, lines[next].length - offset);
                System.arraycopy(lines[next], offset, b, off + n, copy);
                n += copy;
                offset += copy;
                if (offset == lines[next].length) {
                    intended[next + 1] = due(next); // seq = line index + 1 in a fresh directory
                    next++;
                    offset = 0;
                }
            }
            return n;
        }
    }

    /** Parses released event lines for their seq and records the latency of the first event of each command. */
    private static final class AckRecorder extends OutputStream {
        private final long[] intended;
        private final int setup;
        private final Histogram histogram;
        private long lastSeq;
        private long seq;
        private int state; // scanning for "seq":
        private static final byte[] KEY = "\"seq\":".getBytes(StandardCharsets.US_ASCII);

        AckRecorder(final long[] intended, final int setup, final Histogram histogram) {
            this.intended = intended;
            this.setup = setup;
            this.histogram = histogram;
        }

        @Override
        public void write(final int b) {
            if (state < KEY.length) {
                state = b == KEY[state] ? state + 1 : (b == KEY[0] ? 1 : 0);
            } else if (b >= '0' && b <= '9') {
                seq = seq * 10 + (b - '0');
            } else {
                if (seq > lastSeq) {
                    lastSeq = seq;
                    if (seq > setup) {
                        histogram.recordValue(Math.max(0, System.nanoTime() - intended[(int) seq]));
                    }
                }
                seq = 0;
                state = 0;
            }
        }

        @Override
        public void write(final byte[] b, final int off, final int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }
    }

    private static void prepareRecovery(final Path dir, final int orders, final int tail) throws IOException {
        deleteRecursively(dir);
        final Workload workload = new Workload(42, 10, 10_000, Workload.REALISTIC);
        final List<Command> commands = new ArrayList<>(workload.setup());
        commands.addAll(workload.prefill(orders, Math.max(20, orders / 200)));
        final int snapshotAt = commands.size();
        for (int i = 0; i < tail; i++) {
            commands.add(workload.next());
        }
        final Replay.Summary summary = DurableReplay.run(json(commands), OutputStream.nullOutputStream(),
                new JournalOptions(dir, 64L << 20, snapshotAt, 2), System.err::println);
        describe(dir, summary, "snapshot after " + snapshotAt + " commands (" + orders + " resting orders placed)");
    }

    private static void prepareJournal(final Path dir, final int count) throws IOException {
        deleteRecursively(dir);
        final Path flow = Files.createTempFile("edgebook-flow", ".jsonl");
        try {
            GenerateFlow.main(new String[] {Integer.toString(count), flow.toString()}); // streams, any size
            final Replay.Summary summary;
            try (InputStream in = Files.newInputStream(flow)) {
                summary = DurableReplay.run(in, OutputStream.nullOutputStream(),
                        new JournalOptions(dir, 64L << 20, 0, 2), System.err::println);
            }
            describe(dir, summary, "no snapshot");
        } finally {
            Files.delete(flow);
        }
    }

    private static InputStream json(final List<Command> commands) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(commands.size() * 120);
        try (JsonCommandWriter writer = new JsonCommandWriter(out)) {
            commands.forEach(writer::write);
        }
        return new java.io.ByteArrayInputStream(out.toByteArray());
    }

    private static void describe(final Path dir, final Replay.Summary summary, final String what) throws IOException {
        long journalBytes = 0;
        for (final Path segment : JournalScanner.segments(dir)) {
            journalBytes += Files.size(segment) - 64;
        }
        System.out.printf(Locale.ROOT, "prepared %s: %,d commands journaled durably in %.2f s (%,.0f commands/s); "
                + "journal %,d bytes = %.1f bytes/command; %s%n", dir, summary.commands(), summary.nanos() / 1e9,
                summary.commandsPerSecond(), journalBytes, (double) journalBytes / summary.commands(), what);
        for (final Path snapshot : new SnapshotStore(dir).list()) {
            final SnapshotStore.Loaded loaded = SnapshotStore.load(snapshot, EventSink.DISCARD);
            final int open = loaded.engine().openOrders().size();
            System.out.printf(Locale.ROOT, "snapshot %s: %,d bytes, %,d open orders, %,d accounts: %.1f bytes per "
                    + "open order all included%n", snapshot.getFileName(), Files.size(snapshot), open,
                    loaded.engine().accounts().size(), (double) Files.size(snapshot) / Math.max(1, open));
        }
    }

    /**
     * Recovers and reports, from the JVM's own start time (taken by the JVM before it loads anything, millisecond
     * resolution): JVM start to {@code main()}, {@code main()} to recovered, and within that the snapshot load and
     * the journal tail. The management bean is asked only once recovery is over, so its loading is not counted.
     */
    private static void recover(final Path dir, final long mainMillis, final long mainNanos) throws IOException {
        final Recovery.Recovered recovered = Recovery.recover(dir, new EventSinkSwitch(EventSink.DISCARD),
                System.err::println);
        final long doneNanos = System.nanoTime();
        recovered.close();
        final long jvmStartMillis = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
        final double toMain = mainMillis - jvmStartMillis;
        final double mainToRecovered = (doneNanos - mainNanos) / 1e6;
        System.out.printf(Locale.ROOT, "recovered %s: JVM start to recovered %.1f ms = JVM start to main() %.0f ms + "
                + "main() to recovered %.1f ms (of which recovery %.1f ms: snapshot %.1f ms, journal tail %.1f "
                + "ms); snapshot at %,d, %,d journal records replayed, now at sequence %,d, %,d open orders%n",
                dir, toMain + mainToRecovered, toMain, mainToRecovered, recovered.nanos() / 1e6,
                recovered.snapshotNanos() / 1e6, (recovered.nanos() - recovered.snapshotNanos()) / 1e6,
                recovered.snapshotSeq(), recovered.replayed(), recovered.lastSeq(),
                recovered.engine().openOrders().size());
    }

    private static String percentiles(final Histogram h) {
        return String.format(Locale.ROOT, "p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us (%,d samples)",
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3,
                h.getMaxValue() / 1e3, h.getTotalCount());
    }

    private static void deleteRecursively(final Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            for (final Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
