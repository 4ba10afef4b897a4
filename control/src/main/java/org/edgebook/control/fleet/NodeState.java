package org.edgebook.control.fleet;

/** A node's liveness (docs/control-plane.md section 4); {@code REVOKED} is final. */
public enum NodeState {
    UP, LATE, DOWN, REVOKED;

    /** The name on the wire: {@code up}, {@code late}, {@code down}, {@code revoked}. */
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
