package org.edgebook.edge;

/** A native function with a bug, for the test that a throwing function fails only its own request. */
public final class FailingFunction implements EdgeFunction {
    @Override
    public String name() {
        return "failing";
    }

    @Override
    public EdgeResponse handle(final EdgeRequest request) {
        throw new IllegalStateException("a bug in the function");
    }
}
