package org.edgebook.edge;

import java.util.Map;

/**
 * One HTTP request as a function sees it: the body is {@code body[0, bodyLength)}. {@code receivedAtMillis} is the
 * node's clock when the request arrived (UTC epoch ms); functions use it instead of reading a clock, so an answer
 * depends only on the request.
 */
public record EdgeRequest(
                          String method,
                          String path,
                          String query,
                          Map<String, String> headers,
                          byte[] body,
                          int bodyLength,
                          String requestId,
                          long receivedAtMillis) {
}
