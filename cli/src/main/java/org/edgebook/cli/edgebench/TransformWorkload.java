package org.edgebook.cli.edgebench;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** The seed's workload: one transform request of {@code events} events (mixed timestamp forms, small payloads). */
final class TransformWorkload {
    private TransformWorkload() {
    }

    static byte[] request(final int events, final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final String[] types = {"page_view", "click", "add_to_cart", "checkout", "payment_authorized", "logout"};
        final StringBuilder b = new StringBuilder("{\"user_id\":\"user-").append(random.nextInt(1_000_000))
                .append("\",\"events\":[");
        long millis = 1_795_338_000_000L;
        for (int i = 0; i < events; i++) {
            millis += random.nextInt(1, 5_000);
            b.append(i > 0 ? "," : "").append("{\"event_type\":\"").append(types[random.nextInt(types.length)])
                    .append("\",\"timestamp\":");
            if (random.nextBoolean()) {
                b.append(millis);
            } else {
                b.append('"').append(java.time.Instant.ofEpochMilli(millis).atOffset(java.time.ZoneOffset.ofHours(1)))
                        .append('"');
            }
            b.append(",\"payload\":{\"session\":\"s-").append(random.nextInt(100_000)).append("\",\"amount\":\"")
                    .append(random.nextInt(100_000) / 100).append('.').append(10 + random.nextInt(90))
                    .append("\",\"items\":[").append(random.nextInt(10)).append(',').append(random.nextInt(10))
                    .append("],\"ok\":").append(random.nextBoolean()).append("}}");
        }
        return b.append("],\"metadata\":{\"source\":\"bench\",\"trace_id\":\"trace-").append(seed).append("\"}}")
                .toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A telemetry batch of {@code events} events over {@code nodes} nodes. */
    static byte[] telemetryBatch(final int events, final int nodes, final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < events; i++) {
            b.append(i > 0 ? "," : "").append("{\"node_id\":\"edge-").append(random.nextInt(nodes))
                    .append("\",\"transaction_count\":").append(random.nextInt(10, 5_000))
                    .append(",\"latency_ms\":").append(random.nextInt(20, random.nextInt(50) == 0 ? 2_000 : 200))
                    .append('.').append(random.nextInt(10)).append(",\"error_rate\":0.00").append(random.nextInt(10,
                            99))
                    .append(",\"timestamp\":").append(1_795_338_000_000L + i).append('}');
        }
        return b.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }
}
