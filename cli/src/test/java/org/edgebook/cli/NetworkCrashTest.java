package org.edgebook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.edgebook.codec.JsonEventWriter;
import org.edgebook.engine.Engine;
import org.edgebook.http.RequestSignature;
import org.edgebook.journal.JournalScanner;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 during load, over the network: a child JVM runs {@code edgebook up}, clients send signed orders over HTTP,
 * and the child is killed at a random moment, then restarted on the same data, several times. Every request that got
 * a 200 must be in the journal under the sequence number its answer gave, with exactly the events it was answered
 * with; commands that got no answer may or may not be there, but never in part.
 */
class NetworkCrashTest {
    private static final String CLASS = NetworkCrashTest.class.getSimpleName();

    private static final Pattern URL = Pattern.compile("edgebook up: http://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern KEY = Pattern.compile("^\\s+(\\w+)\\s+key (\\S+)\\s+secret (\\S+)$");
    private static final Pattern SEQ = Pattern.compile("^\\{\"seq\":(\\d+),");

    @Test
    void answeredRequestsSurviveThreeKills(@TempDir final Path dir) throws Exception {
        crashAndCheck(dir, 3, 1);
    }

    @Test
    @Tag("slow")
    void answeredRequestsSurviveFifteenKills(@TempDir final Path dir) throws Exception {
        crashAndCheck(dir, 15, System.nanoTime());
    }

    record Key(String id, String secret) {
    }

    private static void crashAndCheck(final Path dir, final int rounds, final long seed) throws Exception {
        Seeded.run(CLASS + " (" + rounds + " rounds)", seed, s -> crashAndCheck(dir, rounds, s,
                new SplittableRandom(s)));
    }

    private static void crashAndCheck(final Path dir, final int rounds, final long seed,
                                      final SplittableRandom random) throws Exception {
        final Map<String, Key> keys = new ConcurrentHashMap<>();
        final Map<Long, String> answered = new ConcurrentHashMap<>();
        final AtomicInteger orderIds = new AtomicInteger();
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        for (int round = 0; round < rounds; round++) {
            final Process child = start(dir, keys);
            final int actualPort = portOf(child, keys);
            final long killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200 + random.nextInt(600));
            final List<Thread> clients = new ArrayList<>();
            for (final String account : List.of("alice", "bob")) {
                clients.add(Thread.ofPlatform().start(() -> {
                    while (System.nanoTime() < killAt + 200_000_000L) {
                        final int n = orderIds.incrementAndGet();
                        final boolean buy = account.equals("bob");
                        final String body = "{\"clientOrderId\":\"o" + n + "\",\"symbol\":\"BTC-USD\",\"side\":\""
                                + (buy ? "BUY" : "SELL") + "\",\"price\":\"" + (buy ? 64000 + n % 3 : 64000 - n % 3)
                                + "\",\"quantity\":\"0.001\"}";
                        try {
                            final HttpResponse<String> r = send(http, actualPort, keys.get(account), body);
                            if (r.statusCode() == 200) {
                                final Matcher m = SEQ.matcher(r.body());
                                assertThat(m.find()).isTrue();
                                answered.put(Long.parseLong(m.group(1)), r.body());
                            }
                        } catch (final IOException e) {
                            return; // the server is gone
                        } catch (final InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            while (System.nanoTime() < killAt) {
                Thread.sleep(5);
            }
            child.destroyForcibly();
            child.waitFor();
            for (final Thread client : clients) {
                client.join();
            }
        }
        // Start once more so that recovery runs on the last crash, and stop it in order.
        final Process last = start(dir, keys);
        portOf(last, keys);
        last.destroy();
        assertThat(last.waitFor(30, TimeUnit.SECONDS)).isTrue();

        // What a clean replay of the journal answers, command by command, in the service's answer form: the sender
        // sees its own side of each trade only.
        final Map<String, String> accountOfKey = new java.util.HashMap<>();
        keys.forEach((account, key) -> accountOfKey.put(key.id(), account));
        final Map<Long, List<String>> clean = new TreeMap<>();
        final ByteArrayOutputStream lines = new ByteArrayOutputStream();
        try (JsonEventWriter writer = new JsonEventWriter(lines)) {
            final Engine engine = new Engine(writer);
            JournalScanner.scanSourced(dir.resolve("data"), 0, Long.MAX_VALUE, false, (seq, time, source, command) -> {
                engine.execute(seq, command);
                writer.flush();
                final String account = accountOfKey.get(source);
                clean.put(seq, lines.toString(StandardCharsets.UTF_8).lines().map(l -> ownSide(l, account)).toList());
                lines.reset();
            });
        }
        assertThat(answered).hasSizeGreaterThan(rounds * 10);
        for (final Map.Entry<Long, String> answer : answered.entrySet()) {
            final List<String> events = clean.get(answer.getKey());
            assertThat(events).as("answered command %d is in the journal", answer.getKey()).isNotNull();
            assertThat(answer.getValue().replaceFirst(",\"time\":\"[^\"]+\"", ""))
                    .isEqualTo("{\"seq\":" + answer.getKey() + ",\"events\":[" + String.join(",", events) + "]}");
        }
        System.out.printf("network crash test: %d kills, %d requests answered, %d commands journaled%n", rounds,
                answered.size(), clean.size());
    }

    /** A trade line as {@code account} is answered it: the other side's account and order id are null. */
    private static String ownSide(final String line, final String account) {
        String seen = line;
        for (final String side : new String[] {"maker", "taker"}) {
            final java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + side
                    + "Account\":\"([^\"]*)\",\"" + side + "OrderId\":\"[^\"]*\"").matcher(seen);
            if (m.find() && !m.group(1).equals(account)) {
                seen = seen.substring(0, m.start()) + "\"" + side + "Account\":null,\"" + side + "OrderId\":null"
                        + seen.substring(m.end());
            }
        }
        return seen;
    }

    private static Process start(final Path dir, final Map<String, Key> keys) throws IOException {
        final String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "up", "--port", "0", "--data", dir.resolve("data").toString(), "--key-file",
                dir.resolve("master.key").toString()).redirectError(dir.resolve("stderr.txt").toFile()).start();
    }

    /** Reads the child's banner: its port, and the keys the first time. */
    static int portOf(final Process child, final Map<String, Key> keys) throws IOException {
        final BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8));
        int port = -1;
        String line;
        while ((line = out.readLine()) != null) {
            final Matcher url = URL.matcher(line);
            if (url.find()) {
                port = Integer.parseInt(url.group(1));
            }
            final Matcher key = KEY.matcher(line);
            if (key.find()) {
                keys.put(key.group(1), new Key(key.group(2), key.group(3)));
            }
            if (line.startsWith("Try:")) {
                break;
            }
        }
        assertThat(port).as("the server printed its address").isPositive();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                out.transferTo(java.io.Writer.nullWriter());
            } catch (final IOException e) {
                // gone
            }
        });
        return port;
    }

    static HttpResponse<String> send(final HttpClient http, final int port, final Key key, final String body)
            throws IOException, InterruptedException {
        final String ts = Long.toString(System.currentTimeMillis());
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/orders"))
                .timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                .header(RequestSignature.KEY_HEADER, key.id())
                .header(RequestSignature.TIMESTAMP_HEADER, ts)
                .header(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(
                        key.secret().getBytes(StandardCharsets.US_ASCII), ts, "POST", "/v1/orders", bytes))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
