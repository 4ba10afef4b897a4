package org.edgebook.cli;

/** Runs a randomised test with its seed printed first and named in any failure, so that a failure can be replayed. */
final class Seeded {
    /** A test body that takes its seed. */
    @FunctionalInterface
    interface Body {
        void run(long seed) throws Exception;
    }

    private Seeded() {
    }

    static void run(final String test, final long seed, final Body body) throws Exception {
        System.out.printf("%s: seed %d%n", test, seed);
        try {
            body.run(seed);
        } catch (final AssertionError | Exception e) {
            throw new AssertionError(test + " failed with seed " + seed + ": " + e, e);
        }
    }
}
