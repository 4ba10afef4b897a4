package org.edgebook.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.edgebook.engine.EventSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer per data directory: a second one, in this JVM or in another process, is refused with the directory and
 * the holder's process id, and changes nothing; the lock goes with its holder.
 */
class DataDirLockTest {
    private static final long PID = ProcessHandle.current().pid();

    @Test
    void aSecondWriterInThisJvmIsRefusedNamingTheDirectoryAndThePid(@TempDir final Path dir) throws Exception {
        final List<String> flow = JournalFixture.flow(3, 300);
        try (DurableEngine service = DurableEngine.start(JournalOptions.defaults(dir), w -> {})) {
            // (The lock file itself is not read here: closing any channel on it would drop this JVM's lock.)
            final Map<String, byte[]> before = contentsButTheLock(dir);
            assertThatThrownBy(() -> DurableEngine.start(JournalOptions.defaults(dir), w -> {}))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(dir.toString()).hasMessageContaining("process " + PID);
            assertThatThrownBy(() -> JournalFixture.journaled(flow, JournalOptions.defaults(dir),
                    new ArrayList<>()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(dir.toString()).hasMessageContaining("process " + PID);
            assertSame(before, contentsButTheLock(dir)); // no new segment, no repair: the refused touched nothing
            assertThat(service.recovered().lock().dir()).isEqualTo(dir);
        }
        assertThat(Files.readString(dir.resolve(DataDirLock.FILE_NAME)).strip()).isEqualTo(Long.toString(PID));
        // Released on close: the next writer carries on.
        JournalFixture.journaled(flow, JournalOptions.defaults(dir), new ArrayList<>());
        JournalFixture.journaled(flow, JournalOptions.defaults(dir), new ArrayList<>());
        assertThat(JournalScanner.scan(dir, 0, false, (s, t, c) -> {}).lastSeq()).isEqualTo(2L * flow.size());
    }

    @Test
    void aLockTakenOnTheFileByOtherCodeInThisJvmAlsoRefuses(@TempDir final Path dir) throws IOException {
        final Path file = dir.resolve(DataDirLock.FILE_NAME);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = channel.lock()) {
            // The JVM answers OverlappingFileLockException: refused, naming the directory and this process.
            assertThatThrownBy(() -> DataDirLock.acquire(dir)).isInstanceOf(IOException.class)
                    .hasMessageContaining(dir.toString()).hasMessageContaining("process " + PID);
        }
        DataDirLock.acquire(dir).close();
    }

    @Test
    void aWriterInAnotherProcessIsRefusedWithItsPid(@TempDir final Path dir) throws Exception {
        final String java = ProcessHandle.current().info().command().orElse("java");
        final Process holder = new ProcessBuilder(java, "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                Holder.class.getName(), dir.toString()).redirectErrorStream(true).start();
        try {
            final BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                    StandardCharsets.UTF_8));
            final String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (final IOException e) {
                    return e.toString();
                }
            }).get(60, TimeUnit.SECONDS);
            assertThat(line).isEqualTo("locked " + holder.pid());
            assertThat(Files.readString(dir.resolve(DataDirLock.FILE_NAME)).strip())
                    .isEqualTo(Long.toString(holder.pid()));

            final Map<String, byte[]> before = JournalFixture.contents(dir);
            assertThatThrownBy(() -> DurableEngine.start(JournalOptions.defaults(dir), w -> {}))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(dir.toString()).hasMessageContaining("process " + holder.pid() + " ");
            assertThatThrownBy(() -> JournalFixture.journaled(JournalFixture.flow(3, 50),
                    JournalOptions.defaults(dir), new ArrayList<>()))
                    .hasMessageContaining("process " + holder.pid() + " ");
            assertSame(before, JournalFixture.contents(dir));
            // Readers do not need the lock.
            assertThat(JournalScanner.scan(dir, 0, false, (s, t, c) -> {}).lastSeq()).isEqualTo(50);
        } finally {
            holder.getOutputStream().close(); // the holder ends when its stdin does
            assertThat(holder.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(holder.exitValue()).isZero();
        // Its lock went with it.
        JournalFixture.journaled(JournalFixture.flow(3, 60).subList(50, 60), JournalOptions.defaults(dir),
                new ArrayList<>());
        assertThat(JournalScanner.scan(dir, 0, false, (s, t, c) -> {}).lastSeq()).isEqualTo(60);
    }

    @Test
    void aRefusedRecoveryLetsGoOfTheDirectory(@TempDir final Path dir) throws IOException {
        JournalFixture.journaled(JournalFixture.flow(5, 200), JournalOptions.defaults(dir), new ArrayList<>());
        final Path segment = JournalScanner.segments(dir).getFirst();
        final byte[] bytes = Files.readAllBytes(segment);
        bytes[JournalFormat.HEADER_LENGTH + 100] ^= 0x01;
        Files.write(segment, bytes);
        assertThatThrownBy(() -> Recovery.recover(dir, new EventSinkSwitch(EventSink.DISCARD), w -> {}))
                .isInstanceOf(CorruptJournalException.class);
        DataDirLock.acquire(dir).close(); // not held by the failed recovery
    }

    private static Map<String, byte[]> contentsButTheLock(final Path dir) throws IOException {
        final Map<String, byte[]> files = new java.util.HashMap<>();
        try (var list = Files.list(dir)) {
            for (final Path file : list.filter(f -> !f.getFileName().toString().equals(DataDirLock.FILE_NAME))
                    .toList()) {
                files.put(file.getFileName().toString(), Files.readAllBytes(file));
            }
        }
        return files;
    }

    private static void assertSame(final Map<String, byte[]> before, final Map<String, byte[]> after) {
        assertThat(after.keySet()).isEqualTo(before.keySet());
        for (final String name : before.keySet()) {
            assertThat(after.get(name)).as(name).isEqualTo(before.get(name));
        }
    }

    /** A child JVM: journals 50 commands, says "locked PID" once they are durable, and holds on until stdin ends. */
    public static final class Holder {
        public static void main(final String[] args) throws IOException {
            final byte[] flow = JournalFixture.bytes(JournalFixture.flow(3, 50));
            final java.io.InputStream in = new java.io.SequenceInputStream(new ByteArrayInputStream(flow),
                    System.in);
            final ByteArrayOutputStream events = new ByteArrayOutputStream() {
                private boolean announced;

                @Override
                public synchronized void flush() { // the journaler flushes each batch's events once durable
                    if (!announced && toString(StandardCharsets.UTF_8).contains("\"seq\":50")) {
                        announced = true;
                        System.out.println("locked " + ProcessHandle.current().pid());
                        System.out.flush();
                    }
                }
            };
            DurableReplay.run(in, events, JournalOptions.defaults(Path.of(args[0])), System.err::println);
        }
    }
}
