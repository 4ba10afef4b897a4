package org.edgebook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full disk, not a mock: {@code edgebook up} runs under a file size limit ({@code ulimit -f}), so the journal
 * segment's write fails with the kernel's own error (EFBIG, "File too large") once it reaches it. The service must
 * say so loudly (stderr, 503 with the cause and {@code Retry-After}), exit with status 75 for a supervisor, and a
 * restart without the limit must recover every command that was acknowledged.
 */
class DiskFullTest {
    private static final Pattern SEQ = Pattern.compile("^\\{\"seq\":(\\d+),");
    private static final Pattern RECOVERED = Pattern.compile("recovered to sequence ([\\d,]+)");

    private static Process start(final Path dir, final Integer fileSizeLimitKib, final String... more)
            throws Exception {
        final String java = ProcessHandle.current().info().command().orElse("java");
        final List<String> command = new ArrayList<>(List.of("bash", "-c", (fileSizeLimitKib == null ? ""
                : "ulimit -f " + fileSizeLimitKib + "; ") + "exec \"$@\"", "bash"));
        command.addAll(List.of(java, "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "up", "--port", "0", "--data", dir.resolve("data").toString(), "--key-file",
                dir.resolve("master.key").toString(), "--failure-grace", "1500"));
        command.addAll(List.of(more));
        return new ProcessBuilder(command).redirectError(dir.resolve("stderr-" + System.nanoTime() + ".txt").toFile())
                .start();
    }

    @Test
    void aFullDiskIsLoudRefusesWithTheCauseExitsForASupervisorAndLosesNothingAcknowledged(@TempDir final Path dir)
            throws Exception {
        final Map<String, NetworkCrashTest.Key> keys = new ConcurrentHashMap<>();
        final Process child = start(dir, 160); // 160 KiB: a few thousand orders into the first segment
        final int port = NetworkCrashTest.portOf(child, keys);
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long acknowledged = 0;
        HttpResponse<String> refused = null;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int n = 0; refused == null && System.nanoTime() < deadline; n++) {
            final String body = "{\"clientOrderId\":\"d" + n + "\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\","
                    + "\"price\":\"" + (100 + n % 50) + "\",\"quantity\":\"0.001\"}";
            final HttpResponse<String> r = NetworkCrashTest.send(http, port, keys.get("bob"), body);
            if (r.statusCode() == 200) {
                final Matcher m = SEQ.matcher(r.body());
                assertThat(m.find()).isTrue();
                acknowledged = Math.max(acknowledged, Long.parseLong(m.group(1)));
            } else {
                refused = r;
            }
        }
        assertThat(refused).as("the disk filled up within the deadline").isNotNull();
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body()).contains("File too large");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(acknowledged).as("orders were acknowledged before the disk filled").isGreaterThan(100);

        final HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/health")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(health.body()).contains("File too large");

        assertThat(child.waitFor(20, TimeUnit.SECONDS)).as("it exits by itself").isTrue();
        assertThat(child.exitValue()).isEqualTo(UpCommand.JOURNAL_FAILED);
        final String stderr;
        try (var files = Files.list(dir)) {
            stderr = Files.readString(files.filter(f -> f.getFileName().toString().startsWith("stderr-"))
                    .findFirst().orElseThrow(), StandardCharsets.UTF_8);
        }
        assertThat(stderr).contains("JOURNAL FAILED").contains("File too large").contains("status 75");

        // Without the limit, everything acknowledged is back.
        final Process again = start(dir, null);
        final java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(
                again.getInputStream(), StandardCharsets.UTF_8));
        try {
            String line;
            long recovered = -1;
            while ((line = out.readLine()) != null) {
                final Matcher m = RECOVERED.matcher(line);
                if (m.find()) {
                    recovered = Long.parseLong(m.group(1).replace(",", ""));
                    break;
                }
            }
            assertThat(recovered).as("recovered through every acknowledged order").isGreaterThanOrEqualTo(acknowledged);
        } finally {
            again.destroy();
            assertThat(again.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void upTakesTheJournalFlags(@TempDir final Path dir) throws Exception {
        final Map<String, NetworkCrashTest.Key> keys = new ConcurrentHashMap<>();
        final Process child = start(dir, null, "--snapshot-every", "100", "--keep-snapshots", "3",
                "--snapshot-mode", "COPY");
        try {
            final int port = NetworkCrashTest.portOf(child, keys);
            final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            for (int n = 0; n < 450; n++) {
                final String body = "{\"clientOrderId\":\"f" + n + "\",\"symbol\":\"BTC-USD\",\"side\":\"BUY\","
                        + "\"price\":\"100\",\"quantity\":\"0.001\"}";
                assertThat(NetworkCrashTest.send(http, port, keys.get("bob"), body).statusCode()).isEqualTo(200);
            }
            // COPY snapshots are written once durable, off the answering path: wait for the newest (seq 400).
            final Path newest = dir.resolve("data").resolve("snapshot-00000000000000000400.snap");
            final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(newest) && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            try (var files = Files.list(dir.resolve("data"))) {
                assertThat(files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".snap")).sorted())
                        .containsExactly("snapshot-00000000000000000200.snap", "snapshot-00000000000000000300.snap",
                                "snapshot-00000000000000000400.snap");
            }
        } finally {
            child.destroy();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Main.run(new String[] {"up", "--segment-size", "0"})).isNotZero();
    }
}
