package org.edgebook.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Shrinks a failing flow by deleting commands while it still fails (delta debugging), so that a report shows the few
 * commands that matter rather than thousands. Command numbers are positions, so every candidate is replayed from the
 * start with renumbered commands.
 */
final class FlowMinimizer {

    private FlowMinimizer() {
    }

    static List<Command> minimize(final List<Command> failing, final Predicate<List<Command>> fails,
                                  final long budgetMillis) {
        final long deadline = System.currentTimeMillis() + budgetMillis;
        List<Command> current = failing;
        int chunks = 2;
        while (current.size() >= 2 && System.currentTimeMillis() < deadline) {
            final int chunkSize = (current.size() + chunks - 1) / chunks;
            boolean reduced = false;
            for (int start = 0; start < current.size() && System.currentTimeMillis() < deadline;
                 start += chunkSize) {
                final List<Command> candidate = new ArrayList<>(current.subList(0, start));
                candidate.addAll(current.subList(Math.min(current.size(), start + chunkSize), current.size()));
                if (fails.test(candidate)) {
                    current = candidate;
                    chunks = Math.max(chunks - 1, 2);
                    reduced = true;
                    break;
                }
            }
            if (!reduced) {
                if (chunkSize == 1) {
                    break;
                }
                chunks = Math.min(current.size(), chunks * 2);
            }
        }
        return current;
    }
}
