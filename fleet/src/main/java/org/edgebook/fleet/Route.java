package org.edgebook.fleet;

/**
 * A route a simulated node serves: its path and the module version behind it, and the shadow beside it (null when
 * none).
 * <p>
 * Threading: immutable.
 */
record Route(String path, String module, String version, String sha256, Shadow shadow) {

    /** A shadow version run beside a route's module on a copy of its requests. */
    record Shadow(String module, String version, String sha256) {
    }

    String name() {
        return module + "@" + version;
    }
}
