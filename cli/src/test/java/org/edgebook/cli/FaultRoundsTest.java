package org.edgebook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.edgebook.codec.JsonEventWriter;
import org.edgebook.codec.TransactionSignature;
import org.edgebook.engine.Command;
import org.edgebook.engine.Engine;
import org.edgebook.http.RequestSignature;
import org.edgebook.journal.JournalScanner;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transaction path under faults, with real processes and real sockets: a settlement process ({@code up}), an edge
 * node process ({@code edge --settlement}) that reaches it through a {@link FaultProxy}, and a client sending signed
 * transfers to the edge node at a steady rate. Each round injects one fault at random (seeded): a partition between
 * edge and settlement, kill -9 of the edge node, kill -9 of settlement, responses cut after settlement committed them
 * (the classic duplicate), or a slow link. After the rounds, with everything healed: every transfer answered 202 is
 * settled or rejected with a reason; settlement's journal holds exactly one {@code transferred} for each settled one
 * and none for the others, none twice; the node's numbers run 1, 2, 3, … without a hole or a repeat run; and the
 * balances are the demo's plus what the settled transfers moved.
 */
class FaultRoundsTest {
    private static final String CLASS = FaultRoundsTest.class.getSimpleName();
    private static final Pattern SETTLEMENT_KEY = Pattern.compile("^\\s+(\\w+)\\s+key (\\S+)\\s+secret (\\S+)$");
    private static final Pattern OPERATOR = Pattern.compile("operator key \\(shown once[^)]*\\): (op_\\S+):(\\S+)");
    private static final String NODE = "n1";
    /** Screening limits no test reaches: every transfer is accepted. */
    static final String SCREENING =
            """
        {"holdScore": 1001, "rejectScore": 1001,
         "assets": {"USD": {"decimals": 6, "maxAmount": "1000000", "maxCountMinute": 999999999,
                            "maxAmountMinute": "1000000000", "maxCountHour": 999999999, "maxAmountHour": "1000000000"}}}""";

    @Test
    void everyAcceptedTransferSettlesExactlyOnceThroughThreeFaults(@TempDir final Path dir) throws Exception {
        Seeded.run(CLASS + " (3 rounds)", System.nanoTime(), seed -> rounds(dir, 3, new SplittableRandom(seed)));
    }

    @Test
    @Tag("slow")
    void everyAcceptedTransferSettlesExactlyOnceThroughThirtyFaults(@TempDir final Path dir) throws Exception {
        Seeded.run(CLASS + " (30 rounds)", System.nanoTime(), seed -> rounds(dir, 30, new SplittableRandom(seed)));
    }

    /** A child process and what it printed that the test needs. */
    private static final class Child {
        final Process process;
        final Map<String, String[]> keys = new HashMap<>();
        String operator;

        Child(final Process process) {
            this.process = process;
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor();
        }

        void stop() throws InterruptedException {
            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stopped in order").isTrue();
        }
    }

    private static Child settlement(final Path dir, final int port) throws Exception {
        final Child child = new Child(java(dir.resolve("settlement.err"), "up", "--port", Integer.toString(port),
                "--data", dir.resolve("settlement").toString(), "--key-file", dir.resolve("master.key").toString()));
        read(child, line -> {
            final Matcher m = SETTLEMENT_KEY.matcher(line);
            if (m.find()) {
                child.keys.put(m.group(1), new String[] {m.group(2), m.group(3)});
            }
            return line.startsWith("Try:");
        });
        return child;
    }

    private static Child edge(final Path dir, final int port, final int proxyPort) throws Exception {
        final Child child = new Child(java(dir.resolve("edge.err"), "edge", "--port", Integer.toString(port),
                "--config", dir.resolve("edge.json").toString(), "--settlement", "http://127.0.0.1:" + proxyPort,
                "--node-id", NODE, "--node-key", dir.resolve("node.pem").toString(), "--data", dir.resolve("edge")
                        .toString()));
        read(child, line -> {
            final Matcher m = OPERATOR.matcher(line);
            if (m.find()) {
                child.operator = m.group(1) + ":" + m.group(2);
            }
            return line.contains("operator key");
        });
        return child;
    }

    private static Process java(final Path stderr, final String... args) throws IOException {
        final List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx384m", "-cp",
                System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile())).start();
    }

    /** Reads the child's output until {@code done} says so (or it ends), then drains the rest in the background. */
    private static void read(final Child child, final java.util.function.Predicate<String> done) throws IOException {
        final BufferedReader out = new BufferedReader(new InputStreamReader(child.process.getInputStream(),
                StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (done.test(line)) {
                break;
            }
        }
        assertThat(line).as("the child printed its banner (see its .err file)").isNotNull();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                out.transferTo(java.io.Writer.nullWriter());
            } catch (final IOException e) {
                // gone
            }
        });
    }

    private static void rounds(final Path dir, final int rounds, final SplittableRandom random) throws Exception {
        final int settlementPort = TxStack.freePort();
        final int edgePort = TxStack.freePort();
        final KeyPair nodeKey = TxStack.newKey();
        final KeyPair alice = TxStack.newKey();
        final KeyPair bob = TxStack.newKey();
        Files.writeString(dir.resolve("node.pem"), TransactionSignature.pem(nodeKey.getPrivate()));
        Files.writeString(dir.resolve("edge.json"), "{\"host\":\"127.0.0.1\",\"routes\":[{\"path\":\"/transform\","
                + "\"native\":\"transform\"}],\"transactions\":{\"screening\":{\"native\":\"screening\"},"
                + "\"screeningConfig\":" + SCREENING + "}}");
        Child settlement = settlement(dir, settlementPort);
        final Map<String, String[]> keys = settlement.keys;
        final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration
                .ofSeconds(2)).build();
        final URI settlementUri = URI.create("http://127.0.0.1:" + settlementPort);
        TxStack.expect(signed(http, settlementUri, keys.get("admin"), "POST", "/v1/admin/nodes", "{\"node\":\"" + NODE
                + "\",\"publicKey\":\"" + TxStack.publicKey(nodeKey) + "\"}"), 201);
        for (final Map.Entry<String, KeyPair> k : Map.of("alice", alice, "bob", bob).entrySet()) {
            TxStack.expect(signed(http, settlementUri, keys.get("admin"), "POST", "/v1/admin/keys", "{\"account\":\""
                    + k.getKey() + "\",\"publicKey\":\"" + TxStack.publicKey(k.getValue()) + "\"}"), 200);
        }
        final Map<String, BigDecimal> before = new HashMap<>();
        for (final String account : List.of("alice", "bob")) {
            before.put(account, balance(http, settlementUri, keys.get(account)));
        }
        try (FaultProxy proxy = new FaultProxy("127.0.0.1", settlementPort)) {
            Child edge = edge(dir, edgePort, proxy.port());
            final String operator = edge.operator;
            assertThat(operator).as("the edge node printed its operator key").isNotNull();
            // the client: signed transfers alternately from alice and bob, each of a distinct amount
            final Map<String, BigDecimal> accepted = new ConcurrentHashMap<>();
            final AtomicBoolean sending = new AtomicBoolean(true);
            final AtomicInteger n = new AtomicInteger();
            final URI edgeUri = URI.create("http://127.0.0.1:" + edgePort + "/v1/tx");
            final Thread client = Thread.ofPlatform().name("client").start(() -> {
                while (sending.get()) {
                    final int i = n.incrementAndGet();
                    final boolean fromAlice = i % 2 == 0;
                    final String amount = amount(i).toPlainString();
                    final String id = "f" + i;
                    final String body = TxStack.transfer(fromAlice ? alice : bob, id, fromAlice ? "alice" : "bob",
                            fromAlice ? "bob" : "alice", "USD", amount);
                    try {
                        final HttpResponse<String> r = http.send(HttpRequest.newBuilder(edgeUri).timeout(Duration
                                .ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 202) {
                            accepted.put("transfer:" + id + "@" + (fromAlice ? "alice" : "bob"), new BigDecimal(
                                    amount));
                        }
                        Thread.sleep(5);
                    } catch (final IOException e) {
                        try {
                            Thread.sleep(5); // the edge node is down: the next one is tried shortly
                        } catch (final InterruptedException stop) {
                            return;
                        }
                    } catch (final InterruptedException e) {
                        return;
                    }
                }
            });
            final List<String> faults = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                Thread.sleep(300 + random.nextInt(700));
                final int fault = random.nextInt(5);
                switch (fault) {
                    case 0 -> {
                        faults.add("partition");
                        proxy.partition();
                        Thread.sleep(300 + random.nextInt(1500));
                        proxy.heal();
                    }
                    case 1 -> {
                        faults.add("kill -9 edge");
                        edge.kill();
                        edge = edge(dir, edgePort, proxy.port());
                    }
                    case 2 -> {
                        faults.add("kill -9 settlement");
                        settlement.kill();
                        settlement = settlement(dir, settlementPort);
                    }
                    case 3 -> {
                        faults.add("responses cut after commit");
                        proxy.dropResponsesAfterCommit(1 + random.nextInt(3));
                    }
                    default -> {
                        faults.add("slow link");
                        proxy.delay(50 + random.nextInt(200));
                        Thread.sleep(1000);
                        proxy.delay(0);
                    }
                }
            }
            Thread.sleep(500);
            sending.set(false);
            client.join();
            proxy.heal();
            proxy.delay(0);
            proxy.dropResponsesAfterCommit(0);
            System.out.printf("%s: faults %s; %d transfers accepted of %d sent%n", CLASS, faults, accepted.size(), n
                    .get());
            assertThat(accepted.size()).isGreaterThan(rounds * 5);

            // every accepted transfer ends: settled, or rejected with a reason
            final Map<String, JsonNode> ends = new HashMap<>();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            for (final String id : accepted.keySet()) {
                JsonNode state;
                do {
                    final HttpResponse<String> r = signed(http, URI.create("http://127.0.0.1:" + edgePort), operator
                            .split(":"), "GET", "/v1/tx/" + id, "");
                    assertThat(r.statusCode()).as(id + ": " + r.body()).isEqualTo(200);
                    state = TxStack.JSON.readTree(r.body());
                    if (state.path("state").asText().matches("settled|rejected")) {
                        break;
                    }
                    assertThat(System.nanoTime()).as(id + " ended in time: " + r.body()).isLessThan(deadline);
                    Thread.sleep(20);
                } while (true);
                if (state.path("state").asText().equals("rejected")) {
                    assertThat(state.path("reason").asText()).as(id).isNotBlank();
                }
                ends.put(id, state);
            }
            edge.stop();
            settlement.stop();

            // settlement's journal: one transferred per settled transfer, none for the others; the node's numbers
            final Map<String, Integer> transferred = new HashMap<>();
            final List<Long> numbers = new ArrayList<>();
            final ByteArrayOutputStream lines = new ByteArrayOutputStream();
            final Pattern transfer = Pattern.compile(
                    "\"type\":\"transferred\",\"cmd\":\\d+,\"seq\":\\d+,\"transferId\":\"(f\\d+)\"");
            try (JsonEventWriter writer = new JsonEventWriter(lines)) {
                final Engine engine = new Engine(writer);
                JournalScanner.scanSourced(dir.resolve("settlement"), 0, Long.MAX_VALUE, false, (seq, time, source,
                                                                                                 command) -> {
                    engine.execute(seq, command);
                    writer.flush();
                    final String out = lines.toString(StandardCharsets.UTF_8);
                    lines.reset();
                    // the numbers that ran: not a duplicate (ran before) nor a gap (ran nothing, the node resent)
                    if (command instanceof Command.FromSender f && f.sender().equals("node:" + NODE) && !out
                            .contains("\"type\":\"duplicate\"") && !out.contains("\"SEQUENCE_GAP\"")) {
                        numbers.add(f.senderSeq());
                        // the engine would refuse a transfer forwarded twice under two numbers; it must never
                        // have to (the node's exactly-once, not the engine's idempotency, is under test)
                        assertThat(out).as("seq " + seq).doesNotContain("DUPLICATE_TRANSFER");
                    }
                    final Matcher m = transfer.matcher(out);
                    while (m.find()) {
                        transferred.merge(edgeId(Integer.parseInt(m.group(1).substring(1))), 1, Integer::sum);
                    }
                });
            }
            for (int i = 0; i < numbers.size(); i++) {
                assertThat(numbers.get(i)).as("the node's numbers run without a hole or a repeat").isEqualTo(i + 1L);
            }
            transferred.forEach((id, count) -> assertThat(count).as(id + " moved money once").isEqualTo(1));
            for (final Map.Entry<String, JsonNode> e : ends.entrySet()) {
                final boolean settled = e.getValue().path("state").asText().equals("settled");
                assertThat(transferred.getOrDefault(e.getKey(), 0)).as(e.getKey() + " " + e.getValue()).isEqualTo(
                        settled ? 1 : 0);
            }
            // the reference: the demo's balances and every transfer settlement ran once, the ones the client never
            // heard about included (the edge node was killed after making one durable, before answering)
            final Map<String, BigDecimal> expected = new HashMap<>(before);
            for (final String id : transferred.keySet()) {
                final int i = Integer.parseInt(id.substring("transfer:f".length(), id.indexOf('@')));
                final String from = i % 2 == 0 ? "alice" : "bob";
                expected.merge(from, amount(i).negate(), BigDecimal::add);
                expected.merge(from.equals("alice") ? "bob" : "alice", amount(i), BigDecimal::add);
            }
            final Set<String> unanswered = new java.util.HashSet<>(transferred.keySet());
            unanswered.removeAll(accepted.keySet());
            settlement = settlement(dir, settlementPort);
            try {
                for (final String account : List.of("alice", "bob")) {
                    assertThat(balance(http, settlementUri, keys.get(account))).as(account).isEqualByComparingTo(
                            expected.get(account));
                }
            } finally {
                settlement.stop();
            }
            System.out.printf("%s: %d settled, %d rejected, %d settled that the client never heard of; node numbers "
                    + "1..%d%n", CLASS, ends.values().stream().filter(s -> s.path("state").asText().equals(
                            "settled")).count(), ends.values().stream().filter(s -> s.path("state").asText()
                                    .equals("rejected")).count(), unanswered.size(), numbers.size());
        } finally {
            settlement.process.destroyForcibly();
        }
    }

    /** Transfer {@code i}'s id at the edge node: alice pays the even ones, bob the odd ones. */
    private static String edgeId(final int i) {
        return "transfer:f" + i + "@" + (i % 2 == 0 ? "alice" : "bob");
    }

    /** Transfer {@code i}'s amount: distinct for 9,973 transfers in a row, so a double or a loss shows in a sum. */
    private static BigDecimal amount(final int i) {
        return BigDecimal.valueOf(1 + i % 9973, 4);
    }

    private static HttpResponse<String> signed(final java.net.http.HttpClient http, final URI base,
                                               final String[] key, final String method, final String path,
                                               final String body) throws Exception {
        final String ts = Long.toString(System.currentTimeMillis());
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).method(method,
                HttpRequest.BodyPublishers.ofByteArray(bytes)).header(RequestSignature.KEY_HEADER, key[0]).header(
                        RequestSignature.TIMESTAMP_HEADER, ts).header(RequestSignature.SIGNATURE_HEADER,
                                RequestSignature.sign(key[1].getBytes(StandardCharsets.US_ASCII), ts, method, path,
                                        bytes)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static BigDecimal balance(final java.net.http.HttpClient http, final URI base, final String[] key)
            throws Exception {
        final HttpResponse<String> r = TxStack.expect(signed(http, base, key, "GET", "/v1/balances", ""), 200);
        return new BigDecimal(TxStack.JSON.readTree(r.body()).findValue("balances").path("USD").path("available")
                .asText("0"));
    }
}
