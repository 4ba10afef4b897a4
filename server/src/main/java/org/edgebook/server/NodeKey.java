package org.edgebook.server;

import org.edgebook.codec.Ed25519Key;

/**
 * An edge node registered at settlement (docs/transaction-path.md, "Nodes at settlement"): its id, its Ed25519 public
 * key (the point decoded once), and whether it was revoked (kept, so that a request signed by it is refused as
 * revoked, not as unknown, and its id is never registered again). Its source is {@code node:} and its id. Immutable.
 */
record NodeKey(String id, byte[] raw, Ed25519Key.Public key, boolean revoked) {
    /** The source a node numbers its forwarded transactions in. */
    static final String SOURCE_PREFIX = "node:";
    /** The longest node id: its source, {@code node:} and the id, is a name of at most 64 characters. */
    static final int MAX_ID_LENGTH = org.edgebook.engine.Names.MAX_LENGTH - SOURCE_PREFIX.length();

    /** The node's source: {@code node:} and its id. */
    String source() {
        return SOURCE_PREFIX + id;
    }

    /** What is wrong with {@code id} as a node id (the field {@code node}), or {@code null}. */
    static String problem(final String id) {
        final String name = org.edgebook.engine.Names.problem("node", id);
        if (name != null) {
            return name;
        }
        if (id.indexOf(':') >= 0) {
            return "node holds ':'; a node id is a name without ':' (its source is node: and the id)";
        }
        if (id.length() > MAX_ID_LENGTH) {
            return "node is " + id.length() + " characters; a node id is at most " + MAX_ID_LENGTH + " (its source, "
                    + "node: and the id, is a name of at most " + org.edgebook.engine.Names.MAX_LENGTH + ")";
        }
        return null;
    }

    @Override
    public String toString() {
        return "NodeKey[" + id + (revoked ? ", revoked" : "") + "]";
    }
}
