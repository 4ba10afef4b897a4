package org.edgebook.sandbox;

/**
 * A call that did not produce an answer, with the kind that tells why. The guest is gone (its instance is dropped);
 * the host and other calls are untouched. The {@code HOST_*} kinds are the host's failures, never the guest's: the
 * JVM ran out of heap during the call, or the host itself broke. Immutable (it has no stack trace), so one instance
 * may be handed to any number of threads.
 */
public final class GuestFailure extends Exception {
    /** Why a call failed, with the HTTP status an edge node answers and the name used in errors and metrics. */
    public enum Kind {
        TRAP(500, "trap"),
        MEMORY_LIMIT(500, "memory_limit"),
        DEADLINE(504, "deadline"),
        CPU_LIMIT(504, "cpu_limit"),
        QUEUE_FULL(503, "queue_full"),
        OUTPUT_TOO_LARGE(500, "output_too_large"),
        BAD_ANSWER(500, "bad_answer"),
        MODULE_REJECTED(500, "module_rejected"),
        /** The JVM's heap ran out during the call (an {@link OutOfMemoryError}); the guest may be blameless. */
        HOST_OUT_OF_MEMORY(503, "host_out_of_memory"),
        /** The host failed in a way that is no guest's doing (a JVM error other than running out of memory). */
        HOST_ERROR(500, "host_error");

        private final int httpStatus;
        private final String label;

        Kind(final int httpStatus, final String label) {
            this.httpStatus = httpStatus;
            this.label = label;
        }

        public int httpStatus() {
            return httpStatus;
        }

        public String label() {
            return label;
        }
    }

    private final Kind kind;

    public GuestFailure(final Kind kind, final String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    /**
     * The failure for a call that ended in {@code t} outside the guest's control: {@link Kind#HOST_OUT_OF_MEMORY}
     * when an {@link OutOfMemoryError} is anywhere in its causes, else {@link Kind#HOST_ERROR}. Never a trap.
     */
    public static GuestFailure ofHost(final Throwable t) {
        if (outOfMemory(t)) {
            return new GuestFailure(Kind.HOST_OUT_OF_MEMORY, "the node ran out of memory during the call: " + t);
        }
        return new GuestFailure(Kind.HOST_ERROR, "the host failed during the call: " + t);
    }

    /** True when {@code t} or one of its causes is an {@link OutOfMemoryError}. */
    static boolean outOfMemory(final Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof OutOfMemoryError) {
                return true;
            }
        }
        return false;
    }

    public Kind kind() {
        return kind;
    }
}
