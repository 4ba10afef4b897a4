package org.edgebook.control.modules;

import java.util.Map;

/**
 * A node's desired state (docs/control-plane.md section 6): the body of {@code GET /v1/node/desired} and its hash,
 * which each heartbeat answer carries. Cheap to ask: nodes of one group with no rollout among them share one answer.
 * <p>
 * Threading: thread-safe.
 */
public interface DesiredStateSource {
    /** The desired state of no routes. */
    Desired NONE = new Desired("", "{\"hash\":\"\",\"routes\":[],\"publishers\":[]}".getBytes(
            java.nio.charset.StandardCharsets.UTF_8));

    /** A desired state: its hash and its JSON body. */
    record Desired(String hash, byte[] json) {
    }

    /** The desired state of node {@code nodeId}, whose labels are {@code labels}. */
    Desired forNode(String nodeId, Map<String, String> labels);
}
