package org.edgebook.edge.screening;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the node has accepted per account and asset, in two sliding windows of buckets (docs/edge-functions.md 5.5):
 * the <b>minute</b> is the 60 one-second buckets ending with the current second ({@code floor(millis / 1000)}), the
 * <b>hour</b> the 60 one-minute buckets ending with the current minute ({@code floor(millis / 60000)}). A transaction
 * therefore leaves the minute between 59 and 60 seconds after it was recorded, and the hour between 59 and 60
 * minutes after. Each bucket holds a count and a total in the asset's units; totals saturate at
 * {@link Long#MAX_VALUE} and counts at {@link #MAX_COUNT}, so a snapshot is always within the screening input's
 * ranges.
 * <p>
 * Time is given by the caller ({@code nowMillis}), never read from a clock here, so tests drive it. A
 * {@link #snapshot} counts what was recorded in the buckets of its windows ending with {@code nowMillis}'s: a record
 * in a later bucket is not counted (a later second is not in the minute; the hour counts whole minutes), and one
 * older than the bucket its slot already holds (the clock stepped back by more than the window) is dropped from that
 * window.
 * <p>
 * Thread-safety: every method may be called from any thread. Accounts are kept in a {@link ConcurrentHashMap} and each
 * account's buckets are guarded by that account's own lock, so calls for different accounts never wait for each
 * other and a snapshot is consistent for its account (it never sees half of a record). Memory: about 2 KiB per
 * account and asset with activity in the last hour; {@link #evictIdle} drops accounts with none.
 */
public final class ActivityTracker {
    /** The largest count a snapshot reports (section 5.1's count range). */
    public static final int MAX_COUNT = 999_999_999;
    private static final int BUCKETS = 60;

    private final ConcurrentHashMap<String, Account> accounts = new ConcurrentHashMap<>();

    /** One asset's activity in both windows: counts and totals in the asset's units. */
    public record AssetActivity(String asset, int minuteCount, long minuteUnits, int hourCount, long hourUnits) {
    }

    /** An account's activity at one instant: the assets with anything in the last hour, in first-recorded order. */
    public record Activity(List<AssetActivity> assets) {
        public static final Activity NONE = new Activity(List.of());
    }

    /**
     * Counts one accepted transaction of {@code units} (at least 0) of {@code asset} for {@code account} at
     * {@code nowMillis}.
     */
    public void record(final String account, final String asset, final long units, final long nowMillis) {
        if (units < 0) {
            throw new IllegalArgumentException("units must be at least 0, not " + units);
        }
        final Account a = accounts.computeIfAbsent(account, k -> new Account());
        synchronized (a) {
            if (a.evicted) {
                // evictIdle took it between the lookup and the lock: start again with a fresh one
                record(account, asset, units, nowMillis);
                return;
            }
            a.assets.computeIfAbsent(asset, k -> new Windows()).record(units, nowMillis);
        }
    }

    /** The account's activity in the windows ending at {@code nowMillis}. */
    public Activity snapshot(final String account, final long nowMillis) {
        final Account a = accounts.get(account);
        if (a == null) {
            return Activity.NONE;
        }
        synchronized (a) {
            List<AssetActivity> out = null;
            for (final Map.Entry<String, Windows> e : a.assets.entrySet()) {
                final AssetActivity activity = e.getValue().snapshot(e.getKey(), nowMillis);
                if (activity != null) {
                    if (out == null) {
                        out = new ArrayList<>(a.assets.size());
                    }
                    out.add(activity);
                }
            }
            return out == null ? Activity.NONE : new Activity(List.copyOf(out));
        }
    }

    /**
     * Drops assets with nothing left in their hour at {@code nowMillis}, and accounts with no asset left; returns how
     * many accounts were dropped. Call it now and then (say once a minute) to bound memory.
     */
    public int evictIdle(final long nowMillis) {
        int dropped = 0;
        for (final Iterator<Map.Entry<String, Account>> it = accounts.entrySet().iterator(); it.hasNext();) {
            final Account a = it.next().getValue();
            synchronized (a) {
                a.assets.values().removeIf(w -> w.idle(nowMillis));
                if (a.assets.isEmpty()) {
                    a.evicted = true;
                    it.remove();
                    dropped++;
                }
            }
        }
        return dropped;
    }

    /** Accounts tracked now. */
    public int accounts() {
        return accounts.size();
    }

    private static final class Account {
        /** Guarded by this account. */
        final Map<String, Windows> assets = new LinkedHashMap<>(4);
        boolean evicted;
    }

    /** The minute's and the hour's buckets of one asset. Guarded by its account. */
    private static final class Windows {
        final Ring seconds = new Ring();
        final Ring minutes = new Ring();

        void record(final long units, final long nowMillis) {
            seconds.add(Math.floorDiv(nowMillis, 1000L), units);
            minutes.add(Math.floorDiv(nowMillis, 60_000L), units);
        }

        AssetActivity snapshot(final String asset, final long nowMillis) {
            final long hourCount = minutes.count(Math.floorDiv(nowMillis, 60_000L));
            if (hourCount == 0) {
                return null;
            }
            final long second = Math.floorDiv(nowMillis, 1000L);
            return new AssetActivity(asset, (int) Math.min(MAX_COUNT, seconds.count(second)), seconds.units(second),
                    (int) Math.min(MAX_COUNT, hourCount), minutes.units(Math.floorDiv(nowMillis, 60_000L)));
        }

        boolean idle(final long nowMillis) {
            return minutes.count(Math.floorDiv(nowMillis, 60_000L)) == 0;
        }
    }

    /** 60 buckets indexed by bucket number modulo 60, each remembering which bucket number it holds. */
    private static final class Ring {
        final long[] index = new long[BUCKETS];
        final long[] counts = new long[BUCKETS];
        final long[] units = new long[BUCKETS];

        Ring() {
            java.util.Arrays.fill(index, Long.MIN_VALUE);
        }

        void add(final long bucket, final long amount) {
            final int slot = (int) Math.floorMod(bucket, BUCKETS);
            if (index[slot] != bucket) {
                if (index[slot] > bucket) {
                    return; // older than the window the slot already serves
                }
                index[slot] = bucket;
                counts[slot] = 0;
                units[slot] = 0;
            }
            counts[slot] = Math.min(MAX_COUNT, counts[slot] + 1);
            units[slot] = saturatedAdd(units[slot], amount);
        }

        /** The count over the 60 buckets ending with {@code bucket}. */
        long count(final long bucket) {
            long sum = 0;
            for (int i = 0; i < BUCKETS; i++) {
                if (index[i] <= bucket && index[i] > bucket - BUCKETS) {
                    sum += counts[i];
                }
            }
            return sum;
        }

        long units(final long bucket) {
            long sum = 0;
            for (int i = 0; i < BUCKETS; i++) {
                if (index[i] <= bucket && index[i] > bucket - BUCKETS) {
                    sum = saturatedAdd(sum, units[i]);
                }
            }
            return sum;
        }
    }

    private static long saturatedAdd(final long a, final long b) {
        final long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
