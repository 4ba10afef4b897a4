package org.edgebook.cli.edgebench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A server under test in its own process (an edge node JVM, or Node.js), so that its memory is its own. Started, it
 * is ready once it prints a line containing {@code readyMarker}; {@link #startupNanos} is the time to that line.
 */
final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final long startupNanos;
    private final StringBuilder output = new StringBuilder();
    private volatile String readyLine;

    private ServerProcess(final List<String> command, final String readyMarker) throws IOException,
            InterruptedException {
        final long start = System.nanoTime();
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final CompletableFuture<String> ready = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (output) {
                        if (output.length() < 20_000) {
                            output.append(line).append('\n');
                        }
                    }
                    if (line.contains(readyMarker)) {
                        ready.complete(line);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            ready.complete(null);
        });
        try {
            readyLine = ready.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            readyLine = null;
        }
        startupNanos = System.nanoTime() - start;
        if (readyLine == null) {
            process.destroyForcibly();
            throw new IOException("server did not start: " + String.join(" ", command) + "\n" + output());
        }
    }

    static ServerProcess start(final List<String> command, final String readyMarker)
            throws IOException, InterruptedException {
        return new ServerProcess(command, readyMarker);
    }

    long startupNanos() {
        return startupNanos;
    }

    String readyLine() {
        return readyLine;
    }

    String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    /** Resident set size now, in bytes, from /proc (0 where there is no /proc). */
    long rssBytes() {
        try {
            for (final String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // gone or unreadable
        }
        return 0;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
