package org.edgebook.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.edgebook.codec.CommandDecoder;
import org.edgebook.engine.Command;
import org.edgebook.engine.EventSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Journals of the formats before 3 still read, recover and take format 3 segments after them. The format 2 journal in
 * {@code src/test/resources/format2/} was written by the code before format 3 (its README says how).
 */
class LegacyFormatTest {
    private static final String[] FIXTURE = {"journal-00000000000000000001.log", "journal-00000000000000000401.log"};
    private final List<String> flow = JournalFixture.flow(31, 900);

    /** A copy of the format 2 fixture in {@code dir}. */
    private static Path fixture(final Path dir) throws IOException {
        Files.createDirectories(dir);
        for (final String name : FIXTURE) {
            try (InputStream in = LegacyFormatTest.class.getResourceAsStream("/format2/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("the format 2 fixture /format2/" + name + " is missing from the "
                            + "test resources (is it committed? *.log files are ignored but for these)");
                }
                Files.copy(in, dir.resolve(name));
            }
        }
        return dir;
    }

    private static int version(final Path segment) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(segment)).getInt(8);
    }

    private List<Command> decoded(final List<String> lines) {
        final CommandDecoder decoder = new CommandDecoder();
        final List<Command> commands = new ArrayList<>();
        for (final String line : lines) {
            final byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            commands.add(decoder.decode(bytes, 0, bytes.length));
        }
        return commands;
    }

    private static Recovery.Recovered recover(final Path dir, final List<String> warnings) throws IOException {
        try (Recovery.Recovered recovered = Recovery.recover(dir, new EventSinkSwitch(EventSink.DISCARD),
                warnings::add)) {
            return recovered;
        }
    }

    @Test
    void aFormat2JournalFromTheOldCodeReadsAsTheCommandsItWasWrittenFrom(@TempDir final Path tmp)
            throws IOException {
        final Path dir = fixture(tmp.resolve("data"));
        assertThat(JournalScanner.segments(dir)).extracting(LegacyFormatTest::version).containsExactly(2, 2);
        final List<Command> commands = new ArrayList<>();
        final List<String> sources = new ArrayList<>();
        final JournalScanner.Result result = JournalScanner.scanSourced(dir, 0, Long.MAX_VALUE, false, (seq, time,
                                                                                                        source,
                                                                                                        command) -> {
            assertThat(seq).isEqualTo(commands.size() + 1);
            commands.add(command);
            sources.add(source);
        });
        assertThat(result.lastSeq()).isEqualTo(700);
        assertThat(result.tornTail()).isNull();
        assertThat(commands).isEqualTo(decoded(flow.subList(0, 700)));
        assertThat(sources).containsOnly(DurableReplay.SOURCE);
        // Incremental reading (statements) across its two segments.
        final List<Long> tailed = new ArrayList<>();
        new JournalTail().read(dir, new JournalTail.Position(null, 0, 1), 0, (seq, time, command) -> tailed.add(seq));
        assertThat(tailed).hasSize(700).last().isEqualTo(700L);
    }

    @Test
    void anOldDataDirectoryRecoversAndCarriesOnInFormat3(@TempDir final Path tmp) throws IOException {
        final Path dir = fixture(tmp.resolve("data"));
        final List<String> warnings = new ArrayList<>();
        assertThat(recover(dir, warnings).lastSeq()).isEqualTo(700);
        assertThat(warnings).isEmpty();

        final String events = JournalFixture.journaled(flow.subList(700, 900), JournalOptions.defaults(dir), warnings);
        assertThat(warnings).isEmpty();
        assertThat(JournalFixture.withoutCmd(JournalFixture.plain(flow))).endsWith(JournalFixture.withoutCmd(events));
        final List<Path> segments = JournalScanner.segments(dir);
        assertThat(segments).extracting(LegacyFormatTest::version).containsExactly(2, 2, 3);
        assertThat(JournalFormat.segmentFirstSeq(segments.getLast())).isEqualTo(701);

        final List<Command> commands = new ArrayList<>();
        assertThat(JournalScanner.scan(dir, 0, false, (seq, time, command) -> commands.add(command)).lastSeq())
                .isEqualTo(900);
        assertThat(commands).isEqualTo(decoded(flow));
        final List<Long> tailed = new ArrayList<>();
        final JournalTail tail = new JournalTail();
        JournalTail.Position at = tail.read(dir, new JournalTail.Position(null, 0, 1), 650, (seq, time,
                                                                                             command) -> tailed.add(
                                                                                                     seq));
        assertThat(tailed).hasSize(250).first().isEqualTo(651L);
        assertThat(at.nextSeq()).isEqualTo(901);
        assertThat(at.segment()).isEqualTo(segments.getLast());
        // And a restart reads the mixed journal back to the same state.
        assertThat(recover(dir, warnings).lastSeq()).isEqualTo(900);
        assertThat(warnings).isEmpty();
    }

    @Test
    void aTornLastRecordOfAFormat2SegmentIsStillTruncated(@TempDir final Path tmp) throws IOException {
        final Path dir = fixture(tmp.resolve("data"));
        final Path last = dir.resolve(FIXTURE[1]);
        final long size = Files.size(last);
        final byte[] bytes = Files.readAllBytes(last);
        Files.write(last, java.util.Arrays.copyOf(bytes, bytes.length - 7)); // the last record cut short
        final List<String> warnings = new ArrayList<>();
        assertThat(recover(dir, warnings).lastSeq()).isEqualTo(699);
        assertThat(Files.size(last)).isLessThan(size - 7);
        assertThat(warnings).singleElement().asString().contains(last.toString(), "truncated a torn write");
    }

    @Test
    void aFlippedBitInTheLastRecordOfAFormat2SegmentIsStillCorruption(@TempDir final Path tmp) throws IOException {
        final Path dir = fixture(tmp.resolve("data"));
        final Path last = dir.resolve(FIXTURE[1]);
        final byte[] bytes = Files.readAllBytes(last);
        bytes[bytes.length - 3] ^= 0x08;
        Files.write(last, bytes);
        assertThatThrownBy(() -> recover(dir, new ArrayList<>())).isInstanceOf(CorruptJournalException.class)
                .hasMessageContaining(last.toString()).hasMessageContaining("checksum mismatch in the last record");
        assertThat(Files.readAllBytes(last)).isEqualTo(bytes);
    }

    @Test
    void format2SegmentsWrittenInTheTestThenFormat3ReadAsOneJournal(@TempDir final Path dir) throws IOException {
        final List<Command> commands = decoded(flow);
        final ByteBuffer records = ByteBuffer.allocate(1 << 20);
        for (int i = 0; i < 300; i++) {
            JournalWriter.encode(i + 1, 1_000L * i, "v2", commands.get(i), records);
        }
        records.flip();
        JournalFixture.writeV2Segment(dir, 1, records);
        assertThat(JournalFixture.framed(dir, flow.subList(300, 900), 301, 64, 300_000L)).isEqualTo(901);
        final List<String> seen = new ArrayList<>();
        final List<Command> read = new ArrayList<>();
        JournalScanner.scanSourced(dir, 0, Long.MAX_VALUE, false, (seq, time, source, command) -> {
            seen.add(seq + " " + time + " " + source);
            read.add(command);
        });
        assertThat(read).isEqualTo(commands);
        assertThat(seen.get(0)).isEqualTo("1 0 v2");
        assertThat(seen.get(299)).isEqualTo("300 299000 v2");
        assertThat(seen.get(300)).isEqualTo("301 300000 test");
        assertThat(seen.get(899)).isEqualTo("900 899000 test");
    }
}
