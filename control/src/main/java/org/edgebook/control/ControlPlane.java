package org.edgebook.control;

import java.io.IOException;
import java.sql.SQLException;
import java.util.function.LongSupplier;
import org.edgebook.control.modules.Modules;
import org.edgebook.control.rollout.ModuleTargets;
import org.edgebook.control.rollout.RolloutArea;
import org.edgebook.control.rollout.RolloutEngine;

/**
 * The whole control plane put together (what {@code ./edgebook control} runs): the service core (store, operator
 * keys, enrollment, the fleet and its heartbeats, queries, events, audit, settlement following), the modules area
 * (publishers, the registry, groups, desired states) and the rollouts. The rollout engine hears every heartbeat (a
 * {@link org.edgebook.control.fleet.FleetListener}) and changes nodes' desired states (the modules area's
 * {@link org.edgebook.control.modules.RouteOverrides}); heartbeats answer with the desired states' hashes.
 * <p>
 * Threading: started and closed by one thread; each part keeps its own threading.
 */
public final class ControlPlane implements AutoCloseable {
    private final ControlServer server;
    private final Modules modules;
    private final RolloutEngine rollouts;

    private ControlPlane(final ControlServer server, final Modules modules, final RolloutEngine rollouts) {
        this.server = server;
        this.modules = modules;
        this.rollouts = rollouts;
    }

    /** Opens the store, loads the fleet, the catalog and the rollouts, and listens. */
    public static ControlPlane start(final ControlConfig config, final LongSupplier clock) throws SQLException,
            IOException {
        return start(config, clock, RolloutEngine.Options.DEFAULT);
    }

    /** As {@link #start(ControlConfig, LongSupplier)}, with the rollout engine's options (tests tick faster). */
    public static ControlPlane start(final ControlConfig config, final LongSupplier clock,
                                     final RolloutEngine.Options rolloutOptions) throws SQLException, IOException {
        final ControlServer server = ControlServer.open(config, clock);
        RolloutEngine engine = null;
        try {
            final Modules modules = new Modules(server.database(), server.fleetView(), clock);
            engine = new RolloutEngine(server.database(), server.fleetView(), new ModuleTargets(modules.desired(),
                    modules.groups()), clock, server.fleet()::intervalMs, rolloutOptions);
            modules.desired().overrides(engine);
            server.fleetView().listen(engine);
            server.install(modules.area()).install(new RolloutArea(engine)).desiredState(modules.desired());
            engine.start();
            server.start();
            return new ControlPlane(server, modules, engine);
        } catch (final SQLException | IOException | RuntimeException e) {
            if (engine != null) {
                engine.close();
            }
            server.close();
            throw e;
        }
    }

    public ControlServer server() {
        return server;
    }

    public Modules modules() {
        return modules;
    }

    public RolloutEngine rollouts() {
        return rollouts;
    }

    @Override
    public void close() {
        rollouts.close();
        server.close();
    }
}
