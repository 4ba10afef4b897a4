package org.edgebook.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What edgebook writes into a data directory only its owner can read, from the moment each file exists. */
class OwnerOnlyTest {

    @Test
    void journalSnapshotsAndTheLockAreOwnerOnly(@TempDir final Path parent) throws IOException {
        final Path dir = parent.resolve("data");
        JournalFixture.journaled(JournalFixture.flow(7, 3_000), new JournalOptions(dir, 16 << 10, 1_000, 2),
                new ArrayList<>());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        final List<Path> files;
        try (var list = Files.list(dir)) {
            files = list.toList();
        }
        assertThat(files).extracting(f -> f.getFileName().toString())
                .anyMatch(n -> n.startsWith("journal-")).anyMatch(n -> n.startsWith("snapshot-")).contains("lock");
        for (final Path file : files) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(file.toString())
                    .isEqualTo("rw-------");
        }
    }
}
