package org.edgebook.fleet;

import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a simulator run is told (the {@code edgebook fleet} options). Ratios and factors are parts per million.
 * <p>
 * Threading: immutable (the collections are copied).
 *
 * @param control the control plane's base URL
 * @param operator the operator key that makes the enrollment token
 * @param nodes how many nodes to enroll
 * @param regions regions given round-robin
 * @param labels labels every node asks for
 * @param badVersions {@code NAME@VERSION}s that misbehave
 * @param badErrorRatePpm a bad version's error rate (and a bad shadow's mismatch rate)
 * @param badLatencyFactorPpm a bad version's p99 factor
 * @param badFailsLoad whether a bad version refuses to load
 * @param trust the publisher keys trusted: publisher to base64 keys
 * @param connections HTTP connections to the control plane
 * @param pipelining requests in flight per connection (1: none)
 * @param enrollConcurrency enrollments in flight
 * @param desiredConcurrency desired-state fetches in flight
 * @param schedulers scheduler threads, each with its share of the nodes
 * @param timeoutMillis a request's deadline
 * @param seed the telemetry's seed
 * @param out where progress is printed
 */
public record FleetOptions(URI control, OperatorKey operator, int nodes, List<String> regions,
                           Map<String, String> labels, Set<String> badVersions, long badErrorRatePpm,
                           long badLatencyFactorPpm, boolean badFailsLoad, Map<String, Set<String>> trust,
                           int connections, int pipelining, int enrollConcurrency, int desiredConcurrency,
                           int schedulers, long timeoutMillis, long seed, java.io.PrintStream out) {
    public static final long PPM = 1_000_000;

    public FleetOptions {
        if (nodes < 1 || nodes > 1_000_000) {
            throw new IllegalArgumentException("--nodes is 1 to 1,000,000 (an enrollment token's most uses), not "
                    + nodes);
        }
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("--regions names at least one region");
        }
        if (badErrorRatePpm < 0 || badErrorRatePpm > PPM) {
            throw new IllegalArgumentException("--bad-error-rate is 0 to 1");
        }
        if (badLatencyFactorPpm < PPM / 100 || badLatencyFactorPpm > 1000 * PPM) {
            throw new IllegalArgumentException("--bad-latency-factor is 0.01 to 1000");
        }
        if (connections < 1 || pipelining < 1 || enrollConcurrency < 1 || desiredConcurrency < 1 || schedulers < 1
                || schedulers > 16 || timeoutMillis < 1) {
            throw new IllegalArgumentException("--connections, --pipelining, --enroll-concurrency, "
                    + "--desired-concurrency and the timeout must be positive, --schedulers 1 to 16");
        }
        regions = List.copyOf(regions);
        labels = Map.copyOf(labels);
        badVersions = Set.copyOf(badVersions);
        trust = Map.copyOf(trust);
    }

    /** Defaults for everything but the control plane, its operator key and the number of nodes. */
    public static FleetOptions of(final URI control, final OperatorKey operator, final int nodes) {
        return new FleetOptions(control, operator, nodes, List.of("eu-west", "us-east", "ap-south"), Map.of(),
                Set.of(), 200_000, 4 * PPM, false, Map.of(), 64, 1, 64, 32, 1, 10_000, 1, System.out);
    }

    public FleetOptions withRegions(final List<String> r) {
        return new FleetOptions(control, operator, nodes, r, labels, badVersions, badErrorRatePpm,
                badLatencyFactorPpm, badFailsLoad, trust, connections, pipelining, enrollConcurrency,
                desiredConcurrency, schedulers, timeoutMillis, seed, out);
    }

    public FleetOptions withLabels(final Map<String, String> l) {
        return new FleetOptions(control, operator, nodes, regions, l, badVersions, badErrorRatePpm,
                badLatencyFactorPpm, badFailsLoad, trust, connections, pipelining, enrollConcurrency,
                desiredConcurrency, schedulers, timeoutMillis, seed, out);
    }

    public FleetOptions withBad(final Set<String> versions, final long errorRatePpm, final long latencyFactorPpm,
                                final boolean failsLoad) {
        return new FleetOptions(control, operator, nodes, regions, labels, versions, errorRatePpm, latencyFactorPpm,
                failsLoad, trust, connections, pipelining, enrollConcurrency, desiredConcurrency, schedulers,
                timeoutMillis, seed, out);
    }

    public FleetOptions withTrust(final Map<String, Set<String>> t) {
        return new FleetOptions(control, operator, nodes, regions, labels, badVersions, badErrorRatePpm,
                badLatencyFactorPpm, badFailsLoad, t, connections, pipelining, enrollConcurrency, desiredConcurrency,
                schedulers, timeoutMillis, seed, out);
    }

    public FleetOptions withConcurrency(final int conns, final int pipe, final int enroll, final int desired,
                                        final int scheds) {
        return new FleetOptions(control, operator, nodes, regions, labels, badVersions, badErrorRatePpm,
                badLatencyFactorPpm, badFailsLoad, trust, conns, pipe, enroll, desired, scheds, timeoutMillis, seed,
                out);
    }

    public FleetOptions withSeed(final long s) {
        return new FleetOptions(control, operator, nodes, regions, labels, badVersions, badErrorRatePpm,
                badLatencyFactorPpm, badFailsLoad, trust, connections, pipelining, enrollConcurrency,
                desiredConcurrency, schedulers, timeoutMillis, s, out);
    }

    public FleetOptions withOut(final java.io.PrintStream o) {
        return new FleetOptions(control, operator, nodes, regions, labels, badVersions, badErrorRatePpm,
                badLatencyFactorPpm, badFailsLoad, trust, connections, pipelining, enrollConcurrency,
                desiredConcurrency, schedulers, timeoutMillis, seed, o);
    }

    /** Parts per million of a decimal text ({@code "0.2"}, {@code "4"}); refused, naming the option, otherwise. */
    public static long ppm(final String option, final String decimal) {
        try {
            return new BigDecimal(decimal).movePointRight(6).setScale(0, java.math.RoundingMode.HALF_UP)
                    .longValueExact();
        } catch (final NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(option + " is a decimal number such as 0.2, not " + decimal);
        }
    }

    /** The decimal text of {@code ppm} parts per million, as the wire writes ratios. */
    public static String decimal(final long ppm) {
        return BigDecimal.valueOf(ppm, 6).stripTrailingZeros().toPlainString();
    }

    /** Reads a trust file: lines {@code publisher base64-key}; blank lines and {@code #} comments skipped. */
    public static Map<String, Set<String>> readTrust(final Path file) throws java.io.IOException {
        final Map<String, Set<String>> trust = new java.util.HashMap<>();
        int line = 0;
        for (final String raw : java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8)) {
            line++;
            final String text = raw.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            final String[] parts = text.split("\\s+");
            if (parts.length != 2) {
                throw new IllegalArgumentException(file + " line " + line + ": expected 'publisher base64-key'");
            }
            try {
                org.edgebook.codec.Ed25519Key.Public.of(java.util.Base64.getDecoder().decode(parts[1]));
            } catch (final IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " line " + line + ": not an Ed25519 public key in base64: "
                        + e.getMessage());
            }
            trust.computeIfAbsent(parts[0], k -> new java.util.HashSet<>()).add(parts[1]);
        }
        return trust;
    }
}
