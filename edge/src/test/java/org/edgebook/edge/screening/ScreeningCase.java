package org.edgebook.edge.screening;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One screening input as a model: every scalar is kept as its raw JSON token (so a generator can spoil one), every
 * name as written between its quotes, and a null anything is a missing member. {@link #json} writes it with members
 * in a random order and random whitespace; {@link ScreeningReference} answers it straight from the spec.
 */
final class ScreeningCase {
    /** tx member name to raw token, in the order written; absent = missing. */
    final Map<String, String> tx = new LinkedHashMap<>();
    /** asset (as written) to its entry; null = the window is missing. */
    Map<String, Entry> lastMinute = new LinkedHashMap<>();
    Map<String, Entry> lastHour = new LinkedHashMap<>();
    String holdScore;
    String rejectScore;
    /** asset (as written) to its limit members (name to raw token); null = missing. */
    Map<String, Map<String, String>> assets = new LinkedHashMap<>();
    /** symbol (as written) to raw token; null = missing. */
    Map<String, String> symbols = new LinkedHashMap<>();
    /** What the generator aimed at, for the test's tally. */
    String aim = "random";

    /** An activity entry: raw tokens, null = missing member. */
    record Entry(String count, String amount) {
    }

    byte[] json(final SplittableRandom random) {
        final List<String> top = new ArrayList<>();
        top.add("\"tx\":" + object(random, tx));
        final List<String> activity = new ArrayList<>();
        if (lastMinute != null) {
            activity.add("\"lastMinute\":" + entries(random, lastMinute));
        }
        if (lastHour != null) {
            activity.add("\"lastHour\":" + entries(random, lastHour));
        }
        top.add("\"activity\":" + join(random, activity));
        final List<String> config = new ArrayList<>();
        if (holdScore != null) {
            config.add("\"holdScore\":" + holdScore);
        }
        if (rejectScore != null) {
            config.add("\"rejectScore\":" + rejectScore);
        }
        if (assets != null) {
            final List<String> members = new ArrayList<>();
            for (final Map.Entry<String, Map<String, String>> e : assets.entrySet()) {
                members.add("\"" + e.getKey() + "\":" + object(random, e.getValue()));
            }
            config.add("\"assets\":" + join(random, members));
        }
        if (symbols != null) {
            config.add("\"symbols\":" + object(random, symbols));
        }
        top.add("\"config\":" + join(random, config));
        return join(random, top).getBytes(StandardCharsets.UTF_8);
    }

    private static String entries(final SplittableRandom random, final Map<String, Entry> window) {
        final List<String> members = new ArrayList<>();
        for (final Map.Entry<String, Entry> e : window.entrySet()) {
            final Map<String, String> m = new LinkedHashMap<>();
            if (e.getValue().count() != null) {
                m.put("count", e.getValue().count());
            }
            if (e.getValue().amount() != null) {
                m.put("amount", e.getValue().amount());
            }
            members.add("\"" + e.getKey() + "\":" + object(random, m));
        }
        return join(random, members);
    }

    private static String object(final SplittableRandom random, final Map<String, String> members) {
        final List<String> out = new ArrayList<>();
        for (final Map.Entry<String, String> e : members.entrySet()) {
            out.add("\"" + e.getKey() + "\":" + space(random) + e.getValue());
        }
        return join(random, out);
    }

    private static String join(final SplittableRandom random, final List<String> members) {
        final List<String> shuffled = new ArrayList<>(members);
        if (random.nextInt(3) == 0) {
            for (int i = shuffled.size() - 1; i > 0; i--) {
                final int j = random.nextInt(i + 1);
                final String t = shuffled.get(i);
                shuffled.set(i, shuffled.get(j));
                shuffled.set(j, t);
            }
        }
        final StringBuilder b = new StringBuilder("{").append(space(random));
        for (int i = 0; i < shuffled.size(); i++) {
            b.append(i > 0 ? "," + space(random) : "").append(shuffled.get(i));
        }
        return b.append(space(random)).append('}').toString();
    }

    private static String space(final SplittableRandom random) {
        return random.nextInt(5) == 0 ? (random.nextBoolean() ? " " : "\n  ") : "";
    }
}
