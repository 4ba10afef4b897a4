package org.edgebook.sandbox;

/**
 * A call that did not produce an answer, with the kind that tells why. The guest is gone (its instance is dropped);
 * the host and other calls are untouched.
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
        MODULE_REJECTED(500, "module_rejected");

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

    public Kind kind() {
        return kind;
    }
}
