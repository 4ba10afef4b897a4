package org.edgebook.control;

/**
 * A request refused: its 4xx status, the error's code and a message naming the field or limit
 * (docs/control-plane.md: {@code {"error":"<code>","message":"…"}}). Thrown inside a transaction, it rolls the
 * transaction back, so nothing is changed by a refused request.
 * <p>
 * Threading: immutable.
 */
public final class Refusal extends RuntimeException {
    private final int status;
    private final String code;

    public Refusal(final int status, final String code, final String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** 400 {@code malformed}. */
    public static Refusal malformed(final String message) {
        return new Refusal(400, "malformed", message);
    }
}
