package org.edgebook.edge;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.edgebook.guests.Guests;
import org.edgebook.sandbox.Convention;
import org.edgebook.sandbox.ExecutionMode;
import org.edgebook.sandbox.Limits;

/**
 * An edge node's configuration, read from a JSON file (see the README's "Edge node" section). A module path is
 * relative to the config file's directory, or {@code bundled:NAME} for a guest bundled with edgebook.
 * {@code guestMemoryBytes} is the heap the WebAssembly routes' calls may hold at once ({@link GuestMemoryBudget});
 * null means the default, half the maximum heap. Immutable.
 */
public record EdgeConfig(String host, int port, int maxBodyBytes, List<Route> routes, Path baseDirectory,
                         Long guestMemoryBytes, Transactions transactions) {
    public static final int DEFAULT_PORT = 8090;
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
    /**
     * Limits of the bundled WebAssembly routes: 96 pages (6 MiB) and 2 MiB answers hold the largest request (1 MiB)
     * with room (it needs 64 pages and answers 1.6 MB at most), and at most 2 calls at once, so that both routes fit
     * the guest-memory budget of the launcher's 96 MB heap on any number of cores.
     */
    static final RouteLimits BUNDLED_LIMITS = new RouteLimits(96, null, null,
            Math.min(2, Limits.DEFAULT.concurrency()), null, 2 << 20, null);

    /**
     * The bundled screening function's limits: the bundled routes', with a queue that holds two of the largest
     * batches ({@code POST /v1/tx} screens a batch's transactions at once; a call refused for a full queue fails
     * closed, held).
     */
    static final RouteLimits SCREENING_LIMITS = new RouteLimits(BUNDLED_LIMITS.memoryPages(), null, null,
            BUNDLED_LIMITS.concurrency(), 2 * 4096, BUNDLED_LIMITS.outputBytes(), null);

    /** A config with the default guest-memory budget. */
    public EdgeConfig(final String host, final int port, final int maxBodyBytes, final List<Route> routes,
                      final Path baseDirectory) {
        this(host, port, maxBodyBytes, routes, baseDirectory, null, Transactions.DEFAULT);
    }

    /** A config with the default transaction path. */
    public EdgeConfig(final String host, final int port, final int maxBodyBytes, final List<Route> routes,
                      final Path baseDirectory, final Long guestMemoryBytes) {
        this(host, port, maxBodyBytes, routes, baseDirectory, guestMemoryBytes, Transactions.DEFAULT);
    }

    /**
     * The transaction path's screening (docs/transaction-path.md), used when the node is joined to settlement: the
     * function ({@code native} or {@code module} with its convention and limits, as a route without a path; it is not
     * served as a route), its config (docs/edge-functions.md 5.1; null: the bundled {@code default-screening.json}),
     * and what a failed call answers ({@code hold}, the default; {@code reject}; {@code accept}).
     */
    public record Transactions(Route screening, com.fasterxml.jackson.databind.JsonNode screeningConfig,
                               String onFailure, Long outboxQuotaBytes, Long keepEndedHours) {
        /** With the default time ended transactions stay queryable (a day). */
        public Transactions(final Route screening, final com.fasterxml.jackson.databind.JsonNode screeningConfig,
                            final String onFailure, final Long outboxQuotaBytes) {
            this(screening, screeningConfig, onFailure, outboxQuotaBytes, null);
        }

        /** The bundled WebAssembly screening function with its default config, failing closed. */
        public static final Transactions DEFAULT = new Transactions(Route.ofWasm(null, "bundled:"
                + Guests.SCREENING_MEMORY, Convention.MEMORY).withLimits(SCREENING_LIMITS), null, "hold", null);

        /** The screening config's JSON: the file's, else the bundled default. */
        public String screeningConfigJson() throws IOException {
            if (screeningConfig != null) {
                return screeningConfig.toString();
            }
            try (java.io.InputStream in = EdgeConfig.class.getResourceAsStream("default-screening.json")) {
                if (in == null) {
                    throw new IOException("default-screening.json is missing from the edge module");
                }
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
    }

    /**
     * One route: either {@code nativeFunction} (a ServiceLoader name) or {@code module} with its convention.
     * {@code grantHeaders} names the request headers a WAGI guest may see that are withheld by default
     * ({@link WagiEnvironment#WITHHELD}).
     */
    public record Route(
                        String path,
                        @JsonProperty("native") String nativeFunction,
                        String module,
                        Convention convention,
                        ExecutionMode mode,
                        RouteLimits limits,
                        Map<String, String> env,
                        List<String> grantHeaders) {

        public boolean isNative() {
            return nativeFunction != null;
        }

        /** The limits a WebAssembly route's calls run under: its own, the rest from {@link Limits#DEFAULT}. */
        public Limits effectiveLimits() {
            return limits != null ? limits.toLimits() : Limits.DEFAULT;
        }

        public static Route ofNative(final String path, final String name) {
            return new Route(path, name, null, null, null, null, null, null);
        }

        public static Route ofWasm(final String path, final String module, final Convention convention) {
            return new Route(path, null, module, convention, ExecutionMode.COMPILED, null, Map.of(), null);
        }

        Route withLimits(final RouteLimits newLimits) {
            return new Route(path, nativeFunction, module, convention, mode, newLimits, env, grantHeaders);
        }
    }

    /** Limits as written in the file; a missing value takes {@link Limits#DEFAULT}'s. */
    public record RouteLimits(Integer memoryPages, Long deadlineMs, Long cpuMs, Integer concurrency, Integer queue,
                              Integer outputBytes, Integer maxReuses) {
        public Limits toLimits() {
            final Limits d = Limits.DEFAULT;
            return new Limits(
                    memoryPages != null ? memoryPages : d.memoryPages(),
                    deadlineMs != null ? Duration.ofMillis(deadlineMs) : d.deadline(),
                    cpuMs != null ? Duration.ofMillis(cpuMs) : d.cpu(),
                    concurrency != null ? concurrency : d.concurrency(),
                    queue != null ? queue : d.queue(),
                    outputBytes != null ? outputBytes : d.outputBytes(),
                    maxReuses != null ? maxReuses : d.maxReuses());
        }
    }

    /** The file as written: everything optional but the routes. */
    private record File(String host, Integer port, Integer maxBodyBytes, Long guestMemoryBytes, List<Route> routes,
                        Transactions transactions) {
    }

    /** The bundled functions on their default routes. */
    public static EdgeConfig defaults(final String host, final int port) {
        return new EdgeConfig(host, port, DEFAULT_MAX_BODY_BYTES, List.of(
                Route.ofNative("/native/transform", "transform"),
                Route.ofWasm("/wasm/transform", "bundled:" + Guests.TRANSFORM_MEMORY, Convention.MEMORY)
                        .withLimits(BUNDLED_LIMITS),
                Route.ofNative("/native/telemetry", "telemetry"),
                Route.ofWasm("/wasm/telemetry", "bundled:" + Guests.TELEMETRY_MEMORY, Convention.MEMORY)
                        .withLimits(BUNDLED_LIMITS)),
                Path.of("."));
    }

    /** Reads a config file; every mistake is reported as one line naming the file and what is wrong. */
    public static EdgeConfig read(final Path file) throws IOException {
        final File parsed;
        try {
            parsed = JsonMapper.builder()
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
                    .build()
                    .readValue(Files.readAllBytes(file), File.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException("config " + file + ": " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        }
        if (parsed.routes() == null || parsed.routes().isEmpty()) {
            throw new IOException("config " + file + ": no routes");
        }
        if (parsed.guestMemoryBytes() != null && parsed.guestMemoryBytes() < 1) {
            throw new IOException("config " + file + ": guestMemoryBytes must be at least 1, not "
                    + parsed.guestMemoryBytes());
        }
        final java.util.Set<String> paths = new java.util.HashSet<>();
        for (final Route r : parsed.routes()) {
            if (r.path() == null || !r.path().startsWith("/")) {
                throw new IOException("config " + file + ": a route needs a path starting with /");
            }
            if (r.path().equals("/health") || r.path().equals("/metrics")) {
                throw new IOException("config " + file + ": " + r.path() + " is the node's own; choose another path");
            }
            if (!paths.add(r.path())) {
                throw new IOException("config " + file + ": route " + r.path() + " appears twice");
            }
            if (r.limits() != null) {
                try {
                    r.limits().toLimits();
                } catch (IllegalArgumentException e) {
                    throw new IOException("config " + file + ": route " + r.path() + ": " + e.getMessage());
                }
            }
            if ((r.nativeFunction() == null) == (r.module() == null)) {
                throw new IOException("config " + file + ": route " + r.path()
                        + " needs exactly one of native, module");
            }
            if (r.module() != null && r.convention() == null) {
                throw new IOException("config " + file + ": route " + r.path()
                        + " needs a convention (memory or wagi)");
            }
            if (r.grantHeaders() != null) {
                if (r.convention() != Convention.WAGI) {
                    throw new IOException("config " + file + ": route " + r.path() + ": grantHeaders is for wagi "
                            + "routes (other guests see no request headers)");
                }
                for (final String header : r.grantHeaders()) {
                    if (WagiEnvironment.withheld(header) == null) {
                        throw new IOException("config " + file + ": route " + r.path() + ": grantHeaders names "
                                + header + ", which is not withheld (only " + String.join(", ",
                                        WagiEnvironment.WITHHELD)
                                + " are; guests see every other header)");
                    }
                }
            }
        }
        final Transactions tx = parsed.transactions() == null || parsed.transactions().screening() != null ? parsed
                .transactions() : new Transactions(Transactions.DEFAULT.screening(), parsed.transactions()
                        .screeningConfig(), parsed.transactions().onFailure(), parsed.transactions()
                                .outboxQuotaBytes(), parsed.transactions().keepEndedHours());
        if (tx != null) {
            final Route r = tx.screening();
            if ((r.nativeFunction() == null) == (r.module() == null)) {
                throw new IOException("config " + file
                        + ": transactions.screening needs exactly one of native, module");
            }
            if (r.module() != null && r.convention() == null) {
                throw new IOException("config " + file + ": transactions.screening needs a convention (memory or "
                        + "wagi)");
            }
            if (tx.onFailure() != null) {
                try {
                    org.edgebook.edge.screening.Screening.OnFailure.parse(tx.onFailure());
                } catch (IllegalArgumentException e) {
                    throw new IOException("config " + file + ": transactions." + e.getMessage());
                }
            }
            if (tx.screeningConfig() != null) {
                try {
                    org.edgebook.edge.screening.ScreeningConfig.read(tx.screeningConfig().toString());
                } catch (IllegalArgumentException e) {
                    throw new IOException("config " + file + ": transactions.screeningConfig: " + e.getMessage());
                }
            }
            if (tx.keepEndedHours() != null && (tx.keepEndedHours() < 0 || tx.keepEndedHours() > 24 * 366)) {
                throw new IOException("config " + file + ": transactions.keepEndedHours must be 0 to 8784 (a year), "
                        + "not " + tx.keepEndedHours());
            }
            if (tx.outboxQuotaBytes() != null && tx.outboxQuotaBytes() < 1 << 20) {
                throw new IOException("config " + file + ": transactions.outboxQuotaBytes must be at least 1048576, "
                        + "not " + tx.outboxQuotaBytes());
            }
        }
        final Path dir = file.toAbsolutePath().getParent();
        return new EdgeConfig(
                parsed.host() != null ? parsed.host() : "127.0.0.1",
                parsed.port() != null ? parsed.port() : DEFAULT_PORT,
                parsed.maxBodyBytes() != null ? parsed.maxBodyBytes() : DEFAULT_MAX_BODY_BYTES,
                parsed.routes(), dir, parsed.guestMemoryBytes(), tx != null ? tx : Transactions.DEFAULT);
    }

    public EdgeConfig withPort(final int newPort) {
        return new EdgeConfig(host, newPort, maxBodyBytes, routes, baseDirectory, guestMemoryBytes, transactions);
    }

    public EdgeConfig withGuestMemoryBytes(final long bytes) {
        return new EdgeConfig(host, port, maxBodyBytes, routes, baseDirectory, bytes, transactions);
    }
}
