package org.edgebook.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.edgebook.codec.CommandDecoder;
import org.edgebook.engine.Command;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differential: random batches (random sizes, sources, times that jump either way, frame targets, segment sizes and
 * restarts) through the real writer, read back by the scanner and by an incremental tail after every write, must give
 * exactly what was written. Prints its seed; {@code -Dedgebook.journalSeed=S} replays one.
 */
class JournalRoundTripTest {

    private record Written(long seq, long time, String source, Command command) {
    }

    private static String randomText(final SplittableRandom random, final int maxLength) {
        final StringBuilder text = new StringBuilder();
        final int length = random.nextInt(maxLength + 1);
        for (int i = 0; i < length; i++) {
            text.append((char) (random.nextInt(10) == 0 ? 0x00A0 + random.nextInt(0x2000) : 0x21 + random.nextInt(
                    94)));
        }
        return text.toString();
    }

    @Test
    void randomBatchesComeBackExactly(@TempDir final Path tmp) throws IOException {
        final long seed = Long.getLong("edgebook.journalSeed", System.nanoTime());
        System.out.println("JournalRoundTripTest seed " + seed + " (-Dedgebook.journalSeed=" + seed + ")");
        final SplittableRandom random = new SplittableRandom(seed);
        final List<String> lines = JournalFixture.flow(seed, 6_000);
        final CommandDecoder decoder = new CommandDecoder();
        final Path dir = tmp.resolve("journal");
        final List<Written> written = new ArrayList<>();
        final List<Written> tailed = new ArrayList<>();
        final JournalTail tail = new JournalTail();
        JournalTail.Position position = new JournalTail.Position(null, 0, 1);
        final ByteBuffer records = ByteBuffer.allocate(4 << 20);
        final String[] keys = {null, "replay", "ek_" + randomText(random, 20), randomText(random, 40)};
        long time = random.nextLong(1L << 62);
        int next = 0;
        int restarts = 0;
        while (next < lines.size()) {
            final int target = random.nextBoolean() ? JournalFormat.FRAME_TARGET : 64 + random.nextInt(8_000);
            final long segmentBytes = random.nextBoolean() ? 64L << 20 : 1_024 + random.nextInt(32_000);
            try (JournalWriter writer = new JournalWriter(dir, written.size() + 1, segmentBytes, () -> 0, target)) {
                restarts++;
                final int batches = 1 + random.nextInt(20);
                for (int b = 0; b < batches && next < lines.size(); b++) {
                    // The first batch of all: one record with a random source, too short and too random for LZ4.
                    final int size = written.isEmpty() ? 1 : 1 + random.nextInt(random.nextBoolean() ? 8 : 1_500);
                    records.clear();
                    final long first = written.size() + 1;
                    for (int i = 0; i < size && next < lines.size(); i++) {
                        final byte[] line = lines.get(next++).getBytes(StandardCharsets.UTF_8);
                        final String source = written.isEmpty() ? randomText(random, 60) + "x" : keys[random.nextInt(
                                keys.length)];
                        time += switch (random.nextInt(10)) {
                            case 0 -> -random.nextLong(1L << 40); // a clock that went back
                            case 1 -> random.nextLong(1L << 40);
                            default -> random.nextInt(3);
                        };
                        final long seq = written.size() + 1;
                        final Command command = JournalWriter.encode(seq, time, source, decoder.decode(line, 0,
                                line.length), records);
                        written.add(new Written(seq, time, source, command));
                    }
                    records.flip();
                    writer.write(records, first);
                    position = tail.read(dir, position, 0, (seq, t, command) -> tailed.add(new Written(seq, t, null,
                            command)));
                    assertThat(tailed).as("tailed after each write, seed " + seed).hasSize(written.size());
                }
            }
        }
        final List<Written> scanned = new ArrayList<>();
        final JournalScanner.Result result = JournalScanner.scanSourced(dir, 0, Long.MAX_VALUE, false, (seq, t,
                                                                                                        source,
                                                                                                        command) -> scanned
                                                                                                                .add(new Written(
                                                                                                                        seq,
                                                                                                                        t,
                                                                                                                        source,
                                                                                                                        command)));
        assertThat(result.tornTail()).isNull();
        assertThat(result.lastSeq()).isEqualTo(written.size());
        assertThat(scanned).as("seed " + seed).isEqualTo(written);
        for (int i = 0; i < written.size(); i++) {
            final Written w = written.get(i);
            assertThat(tailed.get(i)).as("seed " + seed).isEqualTo(new Written(w.seq(), w.time(), null, w.command()));
        }
        // Both codecs were used, and frames were split and segments rolled.
        int raw = 0;
        int lz4 = 0;
        for (final Path segment : JournalScanner.segments(dir)) {
            final byte[] bytes = Files.readAllBytes(segment);
            for (final long frame : JournalFixture.frameOffsets(segment)) {
                if (bytes[(int) frame + 28] == JournalFormat.CODEC_RAW) {
                    raw++;
                } else {
                    lz4++;
                }
            }
        }
        assertThat(raw).as("frames stored raw, seed " + seed).isPositive();
        assertThat(lz4).as("frames stored LZ4, seed " + seed).isPositive();
        assertThat(JournalScanner.segments(dir).size()).isGreaterThanOrEqualTo(restarts);
        System.out.printf("JournalRoundTripTest: %d records, %d restarts, %d segments, %d frames raw, %d LZ4%n",
                written.size(), restarts, JournalScanner.segments(dir).size(), raw, lz4);
    }
}
