package org.edgebook.control.modules;

/**
 * A refused request (docs/control-plane.md): its HTTP status, its code ({@code malformed}, {@code key_unknown},
 * {@code version_exists}, …) and a message naming the field and the limit. Thrown inside the transaction, so that
 * nothing of the refused request is kept.
 * <p>
 * Threading: immutable.
 */
public final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    public Refusal(final int status, final String code, final String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    /** 400 {@code malformed}: {@code field} is wrong, and {@code why}. */
    public static Refusal malformed(final String field, final String why) {
        return new Refusal(400, "malformed", field + ": " + why);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
