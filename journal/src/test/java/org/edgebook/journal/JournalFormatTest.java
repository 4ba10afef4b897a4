package org.edgebook.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.edgebook.engine.Command;
import org.edgebook.engine.Decimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalFormatTest {

    @Test
    void segmentsOfFormatOneStillReadWithoutASource(@TempDir final Path dir) throws IOException {
        final List<Command> commands = List.of(new Command.DefineAsset("USD", 2),
                new Command.Deposit("a", "USD", Decimal.parse("10")));
        final ByteBuffer file = ByteBuffer.allocate(4096);
        final ByteBuffer header = JournalFormat.header(1, 0);
        header.putInt(8, 1); // version 1
        final CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, 32);
        header.putInt(32, (int) crc.getValue());
        file.put(header);
        long seq = 1;
        for (final Command command : commands) {
            final int start = file.position();
            file.position(start + JournalFormat.RECORD_HEADER);
            CommandCodec.encode(command, file); // version 1: the command alone
            final int length = file.position() - start - JournalFormat.RECORD_HEADER;
            file.putInt(start, length).putLong(start + 8, seq).putLong(start + 16, 7);
            file.putInt(start + 4, JournalFormat.recordCrc(crc, seq, 7, file.array(),
                    start + JournalFormat.RECORD_HEADER, length));
            seq++;
        }
        Files.write(JournalFormat.segmentPath(dir, 1), java.util.Arrays.copyOf(file.array(), file.position()));
        final List<String> seen = new ArrayList<>();
        JournalScanner.scanSourced(dir, 0, Long.MAX_VALUE, false, (s, t, source, command) -> seen.add(s + " " + source
                + " " + command));
        assertThat(seen).containsExactly("1 null " + commands.get(0), "2 null " + commands.get(1));
    }

    @Test
    void recordsCarryTheirSource(@TempDir final Path dir) throws IOException {
        JournalFixture.journaled(JournalFixture.flow(41, 20), JournalOptions.defaults(dir), new ArrayList<>());
        final List<String> sources = new ArrayList<>();
        JournalScanner.scanSourced(dir, 0, Long.MAX_VALUE, false, (s, t, source, command) -> sources.add(source));
        assertThat(sources).hasSize(20).containsOnly("replay");
    }
}
