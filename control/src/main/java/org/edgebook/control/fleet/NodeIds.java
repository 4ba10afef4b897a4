package org.edgebook.control.fleet;

import java.util.Comparator;

/**
 * Node ids are {@code n-<sequence>}: ordered by their number (shorter first, then as text), so that {@code n-9}
 * comes before {@code n-10} and a keyset page ({@code after=ID}) walks the fleet in enrollment order.
 * <p>
 * Threading: stateless.
 */
public final class NodeIds {
    /** The fleet's order. */
    public static final Comparator<String> ORDER = Comparator.comparingInt(String::length)
            .thenComparing(Comparator.naturalOrder());

    private NodeIds() {
    }

    /** The id of the node numbered {@code sequence}. */
    public static String of(final long sequence) {
        return "n-" + sequence;
    }

    /** Whether {@code id} has the form of a node id. */
    public static boolean valid(final String id) {
        if (id == null || id.length() < 3 || id.length() > 21 || !id.startsWith("n-")) {
            return false;
        }
        for (int i = 2; i < id.length(); i++) {
            if (id.charAt(i) < '0' || id.charAt(i) > '9') {
                return false;
            }
        }
        return id.charAt(2) != '0';
    }
}
