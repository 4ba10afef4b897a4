package org.edgebook.edge;

/**
 * A native (trusted, in-process Java) edge function. Implementations are found with {@link java.util.ServiceLoader}
 * and named in the node's config by {@link #name()}.
 * <p>
 * Threading: {@link #handle} runs on a Vert.x event loop, concurrently on several; it must not block and must keep no
 * mutable state outside the call.
 */
public interface EdgeFunction {
    /** The name a config uses to route to this function, e.g. {@code transform}. */
    String name();

    EdgeResponse handle(EdgeRequest request);
}
