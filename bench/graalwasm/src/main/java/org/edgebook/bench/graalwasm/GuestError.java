package org.edgebook.bench.graalwasm;

/** A failed call, classified like the sandbox's {@code GuestFailure}. */
public final class GuestError extends RuntimeException {
    public enum Kind { TRAP, DEADLINE, MEMORY_LIMIT, BAD_ANSWER }

    private final Kind kind;

    public GuestError(final Kind kind, final String message, final Throwable cause) {
        super(kind + ": " + message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
