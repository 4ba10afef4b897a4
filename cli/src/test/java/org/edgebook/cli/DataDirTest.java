package org.edgebook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.edgebook.journal.JournalFixture;
import org.edgebook.journal.JournalScanner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data directory from the command line, with real processes: a second {@code replay --journal} on a directory
 * another process is writing is refused with that process's id and writes nothing, while {@code journal verify},
 * {@code journal dump} and {@code report} read it; a changed last record makes verify exit 2.
 */
class DataDirTest {

    @Test
    void aSecondWriterIsRefusedWhileTheReadOnlyToolsWork(@TempDir final Path dir) throws Exception {
        final Path journal = dir.resolve("journal");
        final List<String> flow = JournalFixture.flow(17, 300);
        final Process first = replay(journal, dir.resolve("first-stderr.txt"));
        final CountDownLatch durable = new CountDownLatch(1);
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader events = new BufferedReader(new InputStreamReader(first.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = events.readLine()) != null) {
                    if (line.contains("\"seq\":300")) {
                        durable.countDown();
                    }
                }
            } catch (final IOException e) {
                // the child ended
            }
        });
        final OutputStream firstIn = first.getOutputStream();
        firstIn.write(JournalFixture.bytes(flow));
        firstIn.flush(); // and stdin stays open: the first writer keeps running
        assertThat(durable.await(60, TimeUnit.SECONDS)).as("the first replay journaled its 300 commands").isTrue();

        final Path secondErr = dir.resolve("second-stderr.txt");
        final Process second = replay(journal, secondErr);
        second.getOutputStream().write(JournalFixture.bytes(flow));
        second.getOutputStream().close();
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).isEqualTo(1);
        assertThat(Files.readString(secondErr)).contains(journal.toString(), "in use",
                "process " + first.pid() + " holds its lock");

        // The read-only tools, each in its own process (they write to the real stdout), beside the running writer.
        assertThat(edgebook(dir, "journal", "verify", journal.toString())).contains("300 records",
                "sequence 1 to 300");
        assertThat(edgebook(dir, "journal", "dump", journal.toString(), "--from", "300", "--seq")).startsWith("300\t");
        assertThat(edgebook(dir, "report", "trades", "--data", journal.toString())).contains("trade_id");

        firstIn.close();
        assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).as(Files.readString(dir.resolve("first-stderr.txt"))).isZero();
        // The journal is the first writer's alone: 300 commands, one record each, nothing from the second.
        assertThat(JournalScanner.scan(journal, 0, false, (s, t, c) -> {}).lastSeq()).isEqualTo(300);
        assertThat(JournalScanner.segments(journal)).hasSize(1);
    }

    @Test
    void aChangedLastRecordIsCorruptionForVerifyAndReplay(@TempDir final Path dir) throws Exception {
        final Path journal = dir.resolve("journal");
        final Path commands = dir.resolve("commands.jsonl");
        Files.write(commands, JournalFixture.bytes(JournalFixture.flow(19, 500)));
        assertThat(Main.run("replay", "--journal", journal.toString(), "--in", commands.toString(), "--out",
                dir.resolve("events.jsonl").toString())).isZero();
        final Path segment = JournalScanner.segments(journal).getLast();
        final byte[] bytes = Files.readAllBytes(segment);
        bytes[bytes.length - 2] ^= 0x04; // one bit of the last frame's body: every byte is still there
        Files.write(segment, bytes);

        final ByteArrayOutputStream verified = new ByteArrayOutputStream();
        assertThat(withStdout(verified, () -> Main.run("journal", "verify", journal.toString()))).isEqualTo(2);
        assertThat(verified.toString(StandardCharsets.UTF_8)).contains("CORRUPT", segment.toString(),
                "checksum mismatch in the last frame");
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(Main.commandLine().setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8))
                .execute("replay", "--journal", journal.toString(), "--in", commands.toString(), "--out",
                        dir.resolve("more.jsonl").toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(segment.toString(), "checksum mismatch");
        assertThat(Files.readAllBytes(segment)).isEqualTo(bytes); // refused, and nothing truncated
    }

    private static Process replay(final Path journal, final Path stderr) throws IOException {
        final String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "replay", "--journal",
                journal.toString()).redirectError(stderr.toFile()).start();
    }

    /** Runs {@code edgebook ARGS} in a child JVM; asserts it exits 0 and returns its stdout. */
    private static String edgebook(final Path dir, final String... args) throws Exception {
        final String java = ProcessHandle.current().info().command().orElse("java");
        final List<String> command = new java.util.ArrayList<>(List.of(java, "--add-exports",
                "java.base/jdk.internal.misc=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx256m",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        final Path out = Files.createTempFile(dir, "stdout-", ".txt");
        final Path err = Files.createTempFile(dir, "stderr-", ".txt");
        final Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", args)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", args) + ": " + Files.readString(err)).isZero();
        return Files.readString(out);
    }

    /** Runs a command with System.out captured (verify prints there). */
    private static int withStdout(final ByteArrayOutputStream out, final java.util.function.IntSupplier command) {
        final PrintStream original = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            return command.getAsInt();
        } finally {
            System.setOut(original);
        }
    }
}
