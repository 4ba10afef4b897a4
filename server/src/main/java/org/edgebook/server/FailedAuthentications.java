package org.edgebook.server;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.edgebook.http.RequestSignature;

/**
 * Limits failed authentications, so that keys cannot be guessed or signatures brute-forced at the API's speed.
 * Runs on {@code /v1/*} just before authentication: a request whose claimed key id or remote address has failed
 * too often in the current window is answered {@code 429} with {@code Retry-After} without being checked, and every
 * {@code 401} the request ends with is counted against both. An edge node's id ({@code EB-NODE}) is counted as a key
 * id is. Successful requests are limited by {@link RateLimiter}
 * alone.
 * <p>
 * Limits: {@value #PER_KEY} failures per claimed key id and {@value #PER_ADDRESS} per remote address in a window of
 * {@value #WINDOW_SECONDS} s, counted from the first failure. A key id under attack is therefore refused for its owner
 * too until the window ends; the address limit is the one that stops a client spraying many key ids. At most
 * {@value #MAX_TRACKED} key ids and addresses are tracked each; beyond that expired windows are dropped, then (key
 * ids only) everything, which the address limit still covers.
 * <p>
 * Threading: called on the event loops; the counters are concurrent maps of small synchronized windows.
 */
final class FailedAuthentications implements Handler<RoutingContext> {
    static final int PER_KEY = 10;
    /** Set on the context when the claimed key id is over its limit: the seconds to wait, for a failing attempt. */
    static final String KEY_OVER_LIMIT = "failedAuthentications.keyWait";
    /**
     * Set on the context when a 401 refuses a client key's signature on a command ({@link SignedCommands}), not the
     * request's: not counted. The request was authenticated, Ed25519 cannot be brute-forced this way, and a node that
     * forwards its clients' commands must not be locked out by one client's bad signatures.
     */
    static final String NOT_COUNTED = "failedAuthentications.notCounted";
    static final int PER_ADDRESS = 50;
    private final int perKey;
    private final int perAddress;
    static final int WINDOW_SECONDS = 60;
    static final int MAX_TRACKED = 100_000;
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(WINDOW_SECONDS);

    private final ConcurrentHashMap<String, Window> byKey = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Window> byAddress = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;

    FailedAuthentications() {
        this(System::nanoTime);
    }

    FailedAuthentications(final LongSupplier nanoClock) {
        this(nanoClock, PER_KEY, PER_ADDRESS);
    }

    /** With other thresholds: failures tolerated per key id and per address within the window. */
    FailedAuthentications(final LongSupplier nanoClock, final int perKey, final int perAddress) {
        this.nanoClock = nanoClock;
        this.perKey = perKey;
        this.perAddress = perAddress;
    }

    /** Failures counted from {@code start}; guarded by itself. */
    private static final class Window {
        long start;
        int failures;
    }

    @Override
    public void handle(final RoutingContext ctx) {
        final String apiKey = ctx.request().getHeader(RequestSignature.KEY_HEADER);
        final String node = apiKey == null ? ctx.request().getHeader(org.edgebook.codec.SignedRequest.NODE_HEADER)
                : null;
        final String key = node != null ? NodeKey.SOURCE_PREFIX + node : apiKey; // a node's id, kept apart
        final String address = ctx.request().remoteAddress() == null ? "unknown"
                : ctx.request().remoteAddress().hostAddress();
        final long now = nanoClock.getAsLong();
        final long keyWait = key == null ? 0 : wait(byKey.get(key), perKey, now);
        final long addressWait = wait(byAddress.get(address), perAddress, now);
        if (keyWait > 0 && addressWait == 0) {
            // Key ids are not secret: refusing the key outright would let anyone lock its owner (the admin too) out.
            // So past its limit a key is still served when signed right; only a failing attempt is answered 429.
            ctx.put(KEY_OVER_LIMIT, keyWait);
        } else if (keyWait > 0 || addressWait > 0) {
            final long seconds = Math.max(keyWait, addressWait);
            ctx.response().setStatusCode(429).putHeader("Retry-After", Long.toString(seconds))
                    .putHeader("Content-Type", "application/json").end(Buffer.buffer(ApiResponses.error(
                            "too many failed authentications", (keyWait > 0 ? "key " + key + " failed "
                                    + perKey : "this address failed " + perAddress) + " authentications within "
                                    + WINDOW_SECONDS + " s; retry after " + seconds + " s")));
            return;
        }
        ctx.addHeadersEndHandler(v -> {
            if (ctx.response().getStatusCode() == 401 && ctx.get(NOT_COUNTED) == null) {
                failed(key, address, nanoClock.getAsLong());
            }
        });
        ctx.next();
    }

    /** Seconds before {@code key} (may be null) from {@code address} may try again, or 0 if it may now. */
    long waitSeconds(final String key, final String address, final long now) {
        return Math.max(key == null ? 0 : wait(byKey.get(key), perKey, now),
                wait(byAddress.get(address), perAddress, now));
    }

    /** Counts one failed authentication of {@code key} (may be null) from {@code address}. */
    void failed(final String key, final String address, final long now) {
        if (key != null) {
            count(byKey, key, now, true);
        }
        count(byAddress, address, now, false);
    }

    private static void count(final ConcurrentHashMap<String, Window> windows, final String id, final long now,
                              final boolean mayClear) {
        if (windows.size() >= MAX_TRACKED && !windows.containsKey(id)) {
            windows.values().removeIf(w -> {
                synchronized (w) {
                    return now - w.start >= WINDOW_NANOS;
                }
            });
            if (windows.size() >= MAX_TRACKED && mayClear) {
                windows.clear();
            }
        }
        final Window window = windows.computeIfAbsent(id, k -> {
            final Window w = new Window();
            w.start = now;
            return w;
        });
        synchronized (window) {
            if (now - window.start >= WINDOW_NANOS) {
                window.start = now;
                window.failures = 0;
            }
            window.failures++;
        }
    }

    /** Seconds until {@code window} stops refusing, or 0 if it does not refuse now. */
    private static long wait(final Window window, final int limit, final long now) {
        if (window == null) {
            return 0;
        }
        synchronized (window) {
            final long left = window.start + WINDOW_NANOS - now;
            if (window.failures < limit || left <= 0) {
                return 0;
            }
            return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(left + TimeUnit.SECONDS.toNanos(1) - 1));
        }
    }
}
