package org.edgebook.sandbox;

/** How Chicory runs a module's code. */
public enum ExecutionMode {
    /** Translated to JVM bytecode once per module, then JIT-compiled by the JVM: the default. */
    COMPILED,
    /** Chicory's interpreter: kept as the reference point for benchmarks. */
    INTERPRETED
}
