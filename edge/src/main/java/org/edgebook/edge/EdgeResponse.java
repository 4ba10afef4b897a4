package org.edgebook.edge;

import java.nio.charset.StandardCharsets;

/** A function's answer: status, content type and body bytes. */
public record EdgeResponse(int status, String contentType, byte[] body) {
    public static final String JSON = "application/json";

    public static EdgeResponse json(final int status, final String body) {
        return new EdgeResponse(status, JSON, body.getBytes(StandardCharsets.UTF_8));
    }

    /** The error body of docs/edge-functions.md: {@code {"error":KIND,"message":MESSAGE}}; both are plain ASCII. */
    public static EdgeResponse error(final int status, final String kind, final String message) {
        return json(status, "{\"error\":\"" + kind + "\",\"message\":\"" + message + "\"}");
    }
}
