package org.edgebook.control.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The control plane's store: a JDBC data source, its schema brought up to date by Flyway on open
 * ({@code db/migration}: one SQL dialect for both stores, H2 running in its PostgreSQL mode).
 * <p>
 * Two stores: {@link Kind#EMBEDDED}, an H2 file in the data directory ({@code control.mv.db}), and
 * {@link Kind#POSTGRESQL}, for production, from a {@code jdbc:postgresql:} URL. Migrations are numbered by area:
 * {@code V1_1__…} nodes, enrollment, events and the audit log; {@code V2__…} modules, publishers and groups;
 * {@code V3__…} rollouts.
 * <p>
 * Threading: thread-safe (a connection pool); each caller takes a connection and gives it back.
 */
public final class Database implements AutoCloseable {
    /** Which store this is. */
    public enum Kind {
        EMBEDDED, POSTGRESQL
    }

    /** Work in one transaction: committed when it returns, rolled back when it throws. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final HikariDataSource pool;
    private final Kind kind;
    private final String url;

    private Database(final HikariDataSource pool, final Kind kind, final String url) {
        this.pool = pool;
        this.kind = kind;
        this.url = url;
    }

    /** The embedded store in {@code dataDir}, made on first use. */
    public static Database embedded(final Path dataDir) throws SQLException {
        final Path file = dataDir.toAbsolutePath().resolve("control");
        return open("jdbc:h2:file:" + file + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH", null,
                null);
    }

    /**
     * The store at {@code url}: {@code jdbc:postgresql://host:port/db} (user and password in the URL's query, or
     * given), or an H2 URL.
     *
     * @throws SQLException if it cannot be reached or its schema cannot be migrated; the message names the URL
     */
    public static Database open(final String url, final String user, final String password) throws SQLException {
        final Kind kind;
        if (url.startsWith("jdbc:postgresql:")) {
            kind = Kind.POSTGRESQL;
        } else if (url.startsWith("jdbc:h2:")) {
            kind = Kind.EMBEDDED;
        } else {
            throw new SQLException("--db " + url + ": not a jdbc:postgresql: or jdbc:h2: URL");
        }
        final HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        if (user != null) {
            config.setUsername(user);
        }
        if (password != null) {
            config.setPassword(password);
        }
        config.setPoolName("control-store");
        config.setMaximumPoolSize(8);
        config.setAutoCommit(false);
        config.setInitializationFailTimeout(10_000);
        final HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (final RuntimeException e) {
            throw new SQLException("cannot open the store " + redacted(url) + ": " + e.getMessage(), e);
        }
        try {
            Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
        } catch (final RuntimeException e) {
            pool.close();
            throw new SQLException("cannot migrate the store " + redacted(url) + ": " + e.getMessage(), e);
        }
        return new Database(pool, kind, url);
    }

    /** {@code url} without a password in its query. */
    public static String redacted(final String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    public Kind kind() {
        return kind;
    }

    /** The URL, without its password. */
    public String url() {
        return redacted(url);
    }

    public DataSource dataSource() {
        return pool;
    }

    /** Runs {@code work} in one transaction. */
    public <T> T inTransaction(final Work<T> work) throws SQLException {
        try (Connection c = pool.getConnection()) {
            try {
                final T result = work.run(c);
                c.commit();
                return result;
            } catch (final SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
