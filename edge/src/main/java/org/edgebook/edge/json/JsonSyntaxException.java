package org.edgebook.edge.json;

/**
 * A body that is not valid JSON: the byte offset where it stopped being valid and one of the fixed reasons of
 * docs/edge-functions.md section 2. Thrown on bad input only, so it carries no stack trace.
 */
public final class JsonSyntaxException extends Exception {
    private final int offset;
    private final String reason;

    public JsonSyntaxException(final int offset, final String reason) {
        super("invalid JSON at byte " + offset + ": " + reason, null, false, false);
        this.offset = offset;
        this.reason = reason;
    }

    public int offset() {
        return offset;
    }

    public String reason() {
        return reason;
    }
}
