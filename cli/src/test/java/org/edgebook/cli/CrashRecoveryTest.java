package org.edgebook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.edgebook.codec.JsonEventWriter;
import org.edgebook.engine.Engine;
import org.edgebook.journal.JournalFixture;
import org.edgebook.journal.JournalScanner;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crashes that really crash: a child JVM runs {@code edgebook replay --journal DIR} on a pipe, the test feeds it
 * commands and records every event it releases (a released event means its command was acknowledged), and kills it
 * with SIGKILL at a random moment, then restarts it on the same directory, many times. At the end, a clean in-memory
 * replay of what the journal holds must give, for every acknowledged command, the very events the children released;
 * and the final child's answers about balances and books (after all the crashes) must match that clean replay.
 */
class CrashRecoveryTest {
    private static final String CLASS = CrashRecoveryTest.class.getSimpleName();

    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");

    @Test
    void acknowledgedCommandsSurviveFiveKills(@TempDir final Path dir) throws Exception {
        crashAndCheck(dir, 5, 1);
    }

    @Test
    @Tag("slow")
    void acknowledgedCommandsSurviveSixtyKills(@TempDir final Path dir) throws Exception {
        crashAndCheck(dir, 60, System.nanoTime());
    }

    private static void crashAndCheck(final Path dir, final int rounds, final long seed) throws Exception {
        Seeded.run(CLASS + " (" + rounds + " rounds)", seed, s -> crashAndCheck(dir, rounds, s,
                new SplittableRandom(s)));
    }

    private static void crashAndCheck(final Path dir, final int rounds, final long seed,
                                      final SplittableRandom random) throws Exception {
        final Path journal = dir.resolve("journal");
        final List<String> flow = JournalFixture.flow(seed, 400 + rounds * 3_000);
        final Map<Long, List<String>> acknowledged = new ConcurrentHashMap<>();
        int cursor = 0;
        int killsDuringStartup = 0;
        for (int round = 0; round < rounds; round++) {
            final Child child = Child.start(journal, dir.resolve("stderr-" + round + ".txt"), acknowledged);
            final int end = Math.min(flow.size(), cursor + 1_000 + random.nextInt(4_000));
            final Thread feeder = child.feed(flow.subList(cursor, end), random.nextInt(3) == 0, false);
            cursor = end;
            if (random.nextInt(5) == 0) {
                Thread.sleep(random.nextInt(600)); // often still starting up or recovering
                killsDuringStartup += child.firstEventSeen() ? 0 : 1;
            } else {
                child.awaitFirstEvent(20_000);
                Thread.sleep(random.nextInt(120));
            }
            child.kill();
            feeder.join();
        }
        // A last, orderly run: the state after all the crashes, as the service sees it.
        final List<String> queries = new ArrayList<>();
        for (int a = 0; a < 5; a++) {
            queries.add("{\"type\":\"balances\",\"account\":\"a" + a + "\"}");
        }
        queries.add("{\"type\":\"book\",\"symbol\":\"BTC-USD\"}");
        final Child last = Child.start(journal, dir.resolve("stderr-last.txt"), acknowledged);
        last.feed(queries, false, true).join();
        assertThat(last.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(last.process.exitValue()).as(Files.readString(dir.resolve("stderr-last.txt"))).isZero();
        last.drained.join();

        // What a clean, in-memory replay of the journal's commands says each command did.
        final ByteArrayOutputStream events = new ByteArrayOutputStream();
        try (JsonEventWriter writer = new JsonEventWriter(events)) {
            final Engine engine = new Engine(writer);
            JournalScanner.scan(journal, 0, false, (seq, time, command) -> engine.execute(seq, command));
        }
        final Map<Long, List<String>> clean = bySeq(events.toString(StandardCharsets.UTF_8).lines().toList());

        assertThat(acknowledged).isNotEmpty();
        final long lastSeq = JournalScanner.scan(journal, 0, false, (s, t, c) -> {}).lastSeq();
        for (final Map.Entry<Long, List<String>> ack : new TreeMap<>(acknowledged).entrySet()) {
            final List<String> expected = clean.get(ack.getKey());
            assertThat(expected).as("acknowledged command %d is in the journal (last seq %d)", ack.getKey(), lastSeq)
                    .isNotNull();
            assertThat(expected.subList(0, Math.min(expected.size(), ack.getValue().size())))
                    .as("events of acknowledged command %d", ack.getKey()).isEqualTo(ack.getValue());
        }
        // The final queries are the last six commands: their answers come from the recovered state.
        for (long seq = lastSeq - 5; seq <= lastSeq; seq++) {
            assertThat(acknowledged.get(seq)).as("answer to query %d", seq).isEqualTo(clean.get(seq));
        }
        // No child failed in any other way than being killed; count the torn tails recovery repaired.
        int repairs = 0;
        try (var files = Files.list(dir)) {
            for (final Path file : files.filter(f -> f.getFileName().toString().startsWith("stderr-")).toList()) {
                final String text = Files.readString(file);
                assertThat(text).as(file.toString()).doesNotContain("Exception").doesNotContain("CORRUPT");
                repairs += (int) text.lines().filter(l -> l.contains("truncated a torn write")
                        || l.contains("removed")).count();
            }
        }
        System.out.printf("crash test: %d rounds (%d killed before their first event), %d commands fed, %d "
                + "journaled, %d acknowledged, %d tail repairs at restart (torn writes truncated, empty segments "
                + "removed)%n", rounds, killsDuringStartup,
                cursor + queries.size(), lastSeq, acknowledged.size(), repairs);
    }

    private static Map<Long, List<String>> bySeq(final List<String> lines) {
        final Map<Long, List<String>> map = new TreeMap<>();
        for (final String line : lines) {
            final Matcher m = SEQ.matcher(line);
            if (m.find()) {
                map.computeIfAbsent(Long.parseLong(m.group(1)), k -> new ArrayList<>()).add(withoutCmd(line));
            }
        }
        return map;
    }

    private static String withoutCmd(final String line) {
        return line.replaceFirst("\"cmd\":\\d+,", "");
    }

    /** A child JVM running the durable replay on pipes. */
    private static final class Child {
        final Process process;
        final Thread drained;
        private volatile boolean firstEvent;

        private Child(final Process process, final Map<Long, List<String>> acknowledged) {
            this.process = process;
            this.drained = Thread.ofPlatform().daemon().start(() -> read(process.getInputStream(), acknowledged));
        }

        static Child start(final Path journal, final Path stderr, final Map<Long, List<String>> acknowledged)
                throws IOException {
            final String java = ProcessHandle.current().info().command().orElse("java");
            final ProcessBuilder builder = new ProcessBuilder(java, "--add-exports",
                    "java.base/jdk.internal.misc=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx256m",
                    "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "replay", "--journal", journal.toString(), "--snapshot-every", "2000", "--segment-size", "1",
                    "--keep-snapshots", "100000"); // keep every segment, so the journal can be replayed from seq 1
            builder.redirectError(stderr.toFile());
            return new Child(builder.start(), acknowledged);
        }

        /**
         * Writes the lines to the child's stdin on a thread. A crash round keeps stdin open afterwards, so the child
         * is still running when it is killed; the last round closes it, and the child ends in order.
         */
        Thread feed(final List<String> lines, final boolean trickle, final boolean close) {
            return Thread.ofPlatform().daemon().start(() -> {
                final OutputStream in = process.getOutputStream();
                try {
                    for (int i = 0; i < lines.size(); i++) {
                        in.write((lines.get(i) + "\n").getBytes(StandardCharsets.UTF_8));
                        if (trickle && i % 50 == 0) {
                            in.flush();
                            Thread.sleep(1);
                        }
                    }
                    in.flush();
                    if (close) {
                        in.close();
                    }
                } catch (final IOException | InterruptedException e) {
                    // the child was killed: the rest is simply not sent
                }
            });
        }

        /** Records complete event lines only: a line cut by the kill was not released whole. */
        private void read(final InputStream out, final Map<Long, List<String>> acknowledged) {
            final ByteArrayOutputStream line = new ByteArrayOutputStream();
            final byte[] buffer = new byte[8192];
            try {
                int n;
                while ((n = out.read(buffer)) > 0) {
                    for (int i = 0; i < n; i++) {
                        if (buffer[i] == '\n') {
                            final String text = line.toString(StandardCharsets.UTF_8);
                            line.reset();
                            final Matcher m = SEQ.matcher(text);
                            if (m.find()) {
                                acknowledged.computeIfAbsent(Long.parseLong(m.group(1)),
                                        k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                                        .add(withoutCmd(text));
                                firstEvent = true;
                            }
                        } else {
                            line.write(buffer[i]);
                        }
                    }
                }
            } catch (final IOException e) {
                // the pipe closed with the child
            }
        }

        boolean firstEventSeen() {
            return firstEvent;
        }

        void awaitFirstEvent(final long millis) throws InterruptedException {
            final long deadline = System.currentTimeMillis() + millis;
            while (!firstEvent && System.currentTimeMillis() < deadline && process.isAlive()) {
                Thread.sleep(2);
            }
        }

        void kill() throws InterruptedException {
            process.destroyForcibly(); // SIGKILL: no shutdown hooks, no flushing
            process.waitFor();
            drained.join();
        }
    }
}
