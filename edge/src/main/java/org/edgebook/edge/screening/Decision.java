package org.edgebook.edge.screening;

/**
 * A screening answer: {@code accept}, {@code hold} or {@code reject}, the reason code of a hold or reject, the score
 * when the function gave one (-1 otherwise), and for a failure ({@code SCREENING_FAILED: …}) what went wrong, for the
 * log (null otherwise). Immutable.
 */
public record Decision(Kind kind, String reason, int score, String detail) {
    public static final String FAILED = "SCREENING_FAILED: ";

    public enum Kind {
        ACCEPT("accept"),
        HOLD("hold"),
        REJECT("reject");

        private final String label;

        Kind(final String label) {
            this.label = label;
        }

        /** As written in the contract: {@code accept}, {@code hold}, {@code reject}. */
        public String label() {
            return label;
        }
    }

    /** True when the function failed and this is the {@code onFailure} answer. */
    public boolean failed() {
        return reason != null && reason.startsWith(FAILED);
    }

    /** The answer as the contract writes it: {@code {"decision":"hold","reason":"…","score":N}}. */
    public String toJson() {
        final StringBuilder b = new StringBuilder(64).append("{\"decision\":\"").append(kind.label()).append('"');
        if (reason != null) {
            b.append(",\"reason\":\"").append(reason).append('"');
        }
        if (score >= 0) {
            b.append(",\"score\":").append(score);
        }
        return b.append('}').toString();
    }
}
