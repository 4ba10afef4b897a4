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
 */
public record EdgeConfig(String host, int port, int maxBodyBytes, List<Route> routes, Path baseDirectory) {
    public static final int DEFAULT_PORT = 8090;
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

    /** One route: either {@code nativeFunction} (a ServiceLoader name) or {@code module} with its convention. */
    public record Route(
        String path,
        @JsonProperty("native") String nativeFunction,
        String module,
        Convention convention,
        ExecutionMode mode,
        RouteLimits limits,
        Map<String, String> env) {

        public boolean isNative() {
            return nativeFunction != null;
        }

        public static Route ofNative(final String path, final String name) {
            return new Route(path, name, null, null, null, null, null);
        }

        public static Route ofWasm(final String path, final String module, final Convention convention) {
            return new Route(path, null, module, convention, ExecutionMode.COMPILED, null, Map.of());
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
    private record File(String host, Integer port, Integer maxBodyBytes, List<Route> routes) {
    }

    /** The bundled functions on their default routes. */
    public static EdgeConfig defaults(final String host, final int port) {
        return new EdgeConfig(host, port, DEFAULT_MAX_BODY_BYTES, List.of(
            Route.ofNative("/native/transform", "transform"),
            Route.ofWasm("/wasm/transform", "bundled:" + Guests.TRANSFORM_MEMORY, Convention.MEMORY),
            Route.ofNative("/native/telemetry", "telemetry"),
            Route.ofWasm("/wasm/telemetry", "bundled:" + Guests.TELEMETRY_MEMORY, Convention.MEMORY)),
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
                throw new IOException("config " + file + ": route " + r.path() + " needs exactly one of native, module");
            }
            if (r.module() != null && r.convention() == null) {
                throw new IOException("config " + file + ": route " + r.path() + " needs a convention (memory or wagi)");
            }
        }
        final Path dir = file.toAbsolutePath().getParent();
        return new EdgeConfig(
            parsed.host() != null ? parsed.host() : "127.0.0.1",
            parsed.port() != null ? parsed.port() : DEFAULT_PORT,
            parsed.maxBodyBytes() != null ? parsed.maxBodyBytes() : DEFAULT_MAX_BODY_BYTES,
            parsed.routes(), dir);
    }

    public EdgeConfig withPort(final int newPort) {
        return new EdgeConfig(host, newPort, maxBodyBytes, routes, baseDirectory);
    }
}
