package org.edgebook.bench.graalwasm;

import java.nio.charset.StandardCharsets;

/** What a guest answered under the memory convention: HTTP status and response body. */
public record Result(int status, byte[] body) {
    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** A short description for logs: status, length and the first bytes. */
    public String brief() {
        final String t = text();
        return status + " (" + body.length + " bytes) " + (t.length() > 80 ? t.substring(0, 80) + "..." : t);
    }
}
