package org.edgebook.control;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.edgebook.control.store.Database;

/**
 * The two stores every control-plane test runs against: {@code @ParameterizedTest @EnumSource(Database.Kind.class)}
 * and {@link #open}. The embedded one is a fresh H2 file in the test's directory; the PostgreSQL one is a fresh
 * database on the local server, which {@code .ci/postgres-up} installs from Debian's packages and starts when it
 * cannot be reached. A PostgreSQL that still cannot be reached fails the test: it is never skipped.
 */
public final class TestStores {
    /** The server's admin URL (role edgebook, made by {@code .ci/postgres-up}). */
    public static final String POSTGRES = "jdbc:postgresql://127.0.0.1:5432/postgres?user=edgebook&password=edgebook";
    private static final AtomicLong NEXT = new AtomicLong(System.nanoTime());
    private static volatile boolean started;

    private TestStores() {
    }

    /** A fresh, migrated store of {@code kind}; {@code dir} holds the embedded one. */
    public static Database open(final Database.Kind kind, final Path dir) throws SQLException {
        return switch (kind) {
            case EMBEDDED -> Database.embedded(dir);
            case POSTGRESQL -> Database.open(freshPostgresUrl(), null, null);
        };
    }

    /** The URL of a new, empty PostgreSQL database. */
    public static String freshPostgresUrl() throws SQLException {
        final String name = "ebtest_" + Long.toUnsignedString(NEXT.incrementAndGet(), 36);
        try (Connection c = admin(); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE DATABASE " + name);
        }
        return "jdbc:postgresql://127.0.0.1:5432/" + name + "?user=edgebook&password=edgebook";
    }

    /** The same database again, as a restarted control plane would open it. */
    public static Database reopen(final Database db, final Path dir) throws SQLException {
        return db.kind() == Database.Kind.EMBEDDED ? Database.embedded(dir) : Database.open(db.url()
                .replace("password=***", "password=edgebook"), null, null);
    }

    private static Connection admin() throws SQLException {
        try {
            return DriverManager.getConnection(POSTGRES);
        } catch (final SQLException first) {
            if (started) {
                throw first;
            }
            startServer(first);
            return DriverManager.getConnection(POSTGRES);
        }
    }

    private static synchronized void startServer(final SQLException why) throws SQLException {
        if (started) {
            return;
        }
        final Path script = repoRoot().resolve(".ci/postgres-up");
        try {
            final Process p = new ProcessBuilder("bash", script.toString()).inheritIO().start();
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new SQLException("PostgreSQL is not reachable (" + why.getMessage() + ") and " + script
                        + " did not start it", why);
            }
        } catch (final IOException e) {
            throw new SQLException("cannot run " + script + ": " + e.getMessage(), e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while starting PostgreSQL", e);
        }
        started = true;
    }

    private static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve(".ci/postgres-up"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException(".ci/postgres-up not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }
}
