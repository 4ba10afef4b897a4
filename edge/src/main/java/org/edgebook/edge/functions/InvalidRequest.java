package org.edgebook.edge.functions;

import org.edgebook.edge.EdgeResponse;

/** A request that parsed but breaks a field rule: {@code PATH: PROBLEM}, answered 400 (or 422). No stack trace. */
final class InvalidRequest extends Exception {
    private final int status;
    private final String kind;

    InvalidRequest(final String path, final String problem) {
        this(400, "invalid_request", path, problem);
    }

    InvalidRequest(final int status, final String kind, final String path, final String problem) {
        super(path + ": " + problem, null, false, false);
        this.status = status;
        this.kind = kind;
    }

    EdgeResponse response() {
        return EdgeResponse.error(status, kind, getMessage());
    }
}
