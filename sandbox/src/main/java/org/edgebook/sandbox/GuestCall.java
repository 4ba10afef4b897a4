package org.edgebook.sandbox;

import java.util.Map;

/**
 * One call into a guest: the body {@code body[0, bodyLength)}, the request metadata that WAGI guests see as their
 * environment, and the request's id and receive time (what the {@code edgebook} imports return).
 */
public record GuestCall(byte[] body, int bodyLength, Map<String, String> metadata, String requestId,
                        long receivedAtMillis) {
}
