package org.edgebook.cli.edgebench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness end to end on the native target: an edge node in its own JVM, loaded over HTTP, answers checked
 * against the native function, and the three result files written.
 */
class EdgeBenchTest {
    @TempDir
    Path out;

    @Test
    void measuresATargetAndWritesTheResults() throws Exception {
        final ByteArrayOutputStream progress = new ByteArrayOutputStream();
        new EdgeBench(new EdgeBench.Options(List.of("native", "wasm-chicory"), 1, 2, 8, 200.0, 20, out,
                "-XX:+UseSerialGC -Xmx96m -XX:-DontCompileHugeMethods", "node", false),
                new PrintStream(progress, true, StandardCharsets.UTF_8)).run();

        final String md = Files.readString(out.resolve("results.md"));
        assertThat(md).contains("| native | yes |").contains("| wasm-chicory | yes |")
                .contains("At a fixed rate of 200 req/s");
        final JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertThat(json.get("targets")).hasSize(2);
        for (final JsonNode target : json.get("targets")) {
            assertThat(target.get("agrees").asBoolean()).isTrue();
            assertThat(target.get("answered").asLong()).isPositive();
            assertThat(target.get("errors").asLong()).isZero();
            assertThat(target.get("peak_rss_bytes").asLong()).isPositive();
            assertThat(target.get("fixed_rate").get("answered").asLong()).isEqualTo(400);
        }
        final byte[] png = Files.readAllBytes(out.resolve("latency.png"));
        assertThat(png).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        assertThat(progress.toString(StandardCharsets.UTF_8)).contains("edge bench: native",
                "edge bench: wasm-chicory");
    }
}
