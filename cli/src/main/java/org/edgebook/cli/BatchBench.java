package org.edgebook.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.edgebook.http.RequestSignature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code edgebook bench batch}: {@code POST /v1/batch} of N resting orders, one batch at a time, signed before the
 * clock starts; each batch is timed from its send to its last answer line (every command durable), and the answer is
 * checked: N event lines, one {@code accepted} per order. Prints commands per second per batch.
 */
@Command(name = "batch", mixinStandardHelpOptions = true,
        description = {"Sends batches of resting orders to a running service's /v1/batch, one at a time, and prints "
                + "how many durable commands per second each achieved (every answer line checked)."})
final class BatchBench implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080",
            description = "The service (default ${DEFAULT-VALUE}).")
    private URI url;

    @Option(names = "--key", required = true, paramLabel = "ID:SECRET", converter = ClientKey.Converter.class,
            description = "An account key, as printed by edgebook up (its account needs a little USD).")
    private ClientKey key;

    @Option(names = "--account", required = true, description = "The key's account.")
    private String account;

    @Option(names = "--symbol", defaultValue = "BTC-USD", description = "Market (default ${DEFAULT-VALUE}).")
    private String symbol;

    @Option(names = "--price", defaultValue = "1", description = "Buy price, far below the market so that orders rest "
            + "(default ${DEFAULT-VALUE}).")
    private String price;

    @Option(names = "--quantity", defaultValue = "0.0001", description = "Quantity (default ${DEFAULT-VALUE}).")
    private String quantity;

    @Option(names = "--size", defaultValue = "50000", description = "Orders per batch (default ${DEFAULT-VALUE}).")
    private int size;

    @Option(names = "--warmup", defaultValue = "3", description = "Batches sent first and not counted "
            + "(default ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--batches", defaultValue = "6", description = "Batches measured (default ${DEFAULT-VALUE}).")
    private int batches;

    @Override
    public Integer call() throws Exception {
        final String id = key.id();
        final byte[] secret = key.secret();
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        final String run = Long.toString(System.currentTimeMillis(), 36);
        final List<Double> rates = new ArrayList<>();
        for (int b = 0; b < warmup + batches; b++) {
            final StringBuilder body = new StringBuilder(size * 140);
            for (int i = 0; i < size; i++) {
                body.append("{\"type\":\"place\",\"account\":\"").append(account).append("\",\"clientOrderId\":\"bb")
                        .append(run).append('-').append(b).append('-').append(i).append("\",\"symbol\":\"")
                        .append(symbol).append("\",\"side\":\"BUY\",\"price\":\"").append(price)
                        .append("\",\"quantity\":\"").append(quantity).append("\"}\n");
            }
            final byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            final String timestamp = Long.toString(System.currentTimeMillis());
            final HttpRequest request = HttpRequest.newBuilder(url.resolve("/v1/batch"))
                    .timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                    .header(RequestSignature.KEY_HEADER, id).header(RequestSignature.TIMESTAMP_HEADER, timestamp)
                    .header(RequestSignature.SIGNATURE_HEADER, RequestSignature.sign(secret, timestamp, "POST",
                            "/v1/batch", bytes)).build();
            final long start = System.nanoTime();
            final HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            final long nanos = System.nanoTime() - start;
            if (response.statusCode() != 200) {
                System.err.println("batch " + b + ": HTTP " + response.statusCode() + " " + response.body());
                return 1;
            }
            final long accepted = response.body().lines().filter(l -> l.contains("\"type\":\"accepted\"")).count();
            if (accepted != size) {
                System.err.println("batch " + b + ": " + accepted + " orders accepted of " + size);
                return 1;
            }
            final double rate = size * 1e9 / nanos;
            System.out.printf(Locale.ROOT, "%s %d: %,d commands in %.3f s, %,.0f commands/s, %.1f MB sent%n",
                    b < warmup ? "warm-up" : "batch", b < warmup ? b + 1 : b - warmup + 1, size, nanos / 1e9, rate,
                    bytes.length / 1e6);
            if (b >= warmup) {
                rates.add(rate);
            }
        }
        rates.sort(null);
        System.out.printf(Locale.ROOT, "batch: %d batches of %,d: median %,.0f commands/s (min %,.0f, max %,.0f)%n",
                rates.size(), size, rates.get(rates.size() / 2), rates.getFirst(), rates.getLast());
        return 0;
    }
}
