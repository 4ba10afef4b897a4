package org.edgebook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {

    @Test
    void replayReadsAFileAndWritesEventsToAFile(@TempDir final Path dir) throws IOException {
        final Path in = dir.resolve("commands.jsonl");
        final Path out = dir.resolve("events.jsonl");
        Files.writeString(in,
                "{\"type\":\"asset\",\"asset\":\"USD\",\"scale\":2}\n\n{\"type\":\"asset\",\"asset\":\"USD\","
                        + "\"scale\":2}\n");
        final int exit = Main.run("replay", "--in", in.toString(), "--out", out.toString());
        assertThat(exit).isZero();
        assertThat(Files.readString(out)).isEqualTo("{\"type\":\"ok\",\"cmd\":1,\"seq\":1}\n"
                + "{\"type\":\"rejected\",\"cmd\":3,\"seq\":2,\"reason\":\"DUPLICATE\"}\n");
    }

    @Test
    void replayOfAMissingFileSaysSoWithoutAStackTrace(@TempDir final Path dir) {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = Main.commandLine()
                .setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8))
                .execute("replay", "--in", dir.resolve("nope.jsonl").toString());
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("edgebook: cannot open ")
                .contains("nope.jsonl").doesNotContain("\tat ");
    }

    @Test
    void demoFlowTradesAndEndsWithBalancedBooks() throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream flow = DemoCommand.class.getResourceAsStream(DemoCommand.FLOW)) {
            DemoCommand.run(flow, new PrintStream(out, true, StandardCharsets.UTF_8));
        }
        final String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("TRADE 0.5 BTC-USD @ 64000: bob buys from alice (maker a1)")
                .contains("cancelled carol's c1, 0.15 unfilled (SELF_TRADE)")
                // A modify names the total: sent again after 0.1 of b1 filled, it leaves 0.7, not 0.8.
                .contains("modified b1: now 0.8 remaining @ 63900", "modified b1: now 0.7 remaining @ 63950")
                .contains("REJECTED WOULD_TAKE")
                .contains("REJECTED MALFORMED: amount must be a plain decimal")
                .containsPattern("\\d+ commands: \\d+ trades, \\d+ rejections\\.");
    }
}
