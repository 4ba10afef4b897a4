package org.edgebook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code edgebook bench batch} against a real service: every batch answered with one acceptance per order. */
class BatchBenchTest {

    @Test
    void everyOrderOfEveryBatchIsAcceptedAndCounted(@TempDir final Path dir) throws Exception {
        try (LoadCommandTest.Service service = LoadCommandTest.Service.start(dir)) {
            final String bob = service.keys().split(",")[1];
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final PrintStream stdout = System.out;
            final int exit;
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            try {
                exit = new CommandLine(new BatchBench()).execute("--url", service.url(), "--key", bob, "--account",
                        "bob", "--size", "500", "--warmup", "1", "--batches", "2");
            } finally {
                System.setOut(stdout);
            }
            assertThat(exit).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("warm-up 1: 500 commands")
                    .contains("batch 2: 500 commands").contains("batch: 2 batches of 500");
            // the tool itself failed (exit 1) unless every answer held one acceptance per order
        }
    }
}
