package org.edgebook.bench.graalwasm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The request bodies of the main benchmark ({@code bench/.../EdgeFunctionBenchmark}), copied byte for byte, and the
 * guest modules from {@code guests/wasm/} (override the directory with {@code -Dedgebook.guests=DIR}).
 */
public final class Workloads {
    /** receivedAtMillis the main benchmark passes ({@code new GuestCall(body, len, Map.of(), "b", 1L)}). */
    public static final long REQUEST_TIME_MS = 1L;

    private Workloads() {
    }

    public static byte[] body(final String function) {
        return switch (function) {
            case "transform" -> transformRequest(100);
            case "telemetry" -> telemetryBatch(1000);
            default -> throw new IllegalArgumentException("function is transform or telemetry, not " + function);
        };
    }

    public static String module(final String function) {
        return function + "-memory.wasm";
    }

    public static Path guestsDir() {
        final String configured = System.getProperty("edgebook.guests");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            final Path candidate = p.resolve("guests/wasm");
            if (Files.isRegularFile(candidate.resolve("transform-memory.wasm"))) {
                return candidate;
            }
        }
        return Path.of("/work/main/guests/wasm");
    }

    public static byte[] guest(final String file) {
        try {
            return Files.readAllBytes(guestsDir().resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] transformRequest(final int events) {
        final SplittableRandom random = new SplittableRandom(1);
        final StringBuilder b = new StringBuilder("{\"user_id\":\"user-1\",\"events\":[");
        for (int i = 0; i < events; i++) {
            b.append(i > 0 ? "," : "").append("{\"event_type\":\"click\",\"timestamp\":")
                .append(i % 2 == 0 ? Long.toString(1_795_338_000_000L + i) : "\"2026-11-22T10:00:00.250+01:00\"")
                .append(",\"payload\":{\"session\":\"s-").append(random.nextInt(100_000))
                .append("\",\"amount\":\"12.50\",\"items\":[1,2],\"ok\":true}}");
        }
        return b.append("],\"metadata\":{\"source\":\"bench\",\"trace_id\":\"t\"}}").toString()
            .getBytes(StandardCharsets.UTF_8);
    }

    static byte[] telemetryBatch(final int events) {
        final SplittableRandom random = new SplittableRandom(7);
        final StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < events; i++) {
            b.append(i > 0 ? "," : "").append("{\"node_id\":\"edge-").append(random.nextInt(16))
                .append("\",\"transaction_count\":").append(random.nextInt(10, 5_000)).append(",\"latency_ms\":")
                .append(random.nextInt(20, 200)).append('.').append(random.nextInt(10))
                .append(",\"error_rate\":0.00").append(random.nextInt(10, 99)).append(",\"timestamp\":")
                .append(1_795_338_000_000L + i).append('}');
        }
        return b.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }
}
