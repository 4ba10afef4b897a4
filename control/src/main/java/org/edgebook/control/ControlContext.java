package org.edgebook.control;

import io.vertx.core.Vertx;
import java.util.function.LongSupplier;
import org.edgebook.control.fleet.FleetView;
import org.edgebook.control.store.Database;

/**
 * What an area of the control plane ({@link ControlArea}) is given to work with: the store, the fleet as held in
 * memory, the clock every part reads (epoch ms; tests replace it to drive liveness and rollouts) and Vert.x (for
 * {@code executeBlocking} and timers).
 * <p>
 * Threading: every member is thread-safe.
 */
public record ControlContext(Database database, FleetView fleet, LongSupplier clock, Vertx vertx) {
}
