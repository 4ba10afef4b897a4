package org.edgebook.control.modules;

import java.sql.SQLException;
import java.util.function.LongSupplier;
import org.edgebook.control.fleet.FleetView;
import org.edgebook.control.store.Database;

/**
 * The modules area put together: publisher keys, the registry, groups, desired states (loaded from the store here),
 * drift, and the HTTP area. The server makes one, installs {@link #area()}, hands {@link #desired()} to heartbeats
 * and {@code GET /v1/node/desired} as their {@link DesiredStateSource}, and the rollouts set their hook with
 * {@code desired().overrides(…)}.
 * <p>
 * Threading: immutable after construction; its parts are thread-safe.
 */
public final class Modules {
    private final PublisherKeys keys = new PublisherKeys();
    private final ModuleRegistry registry = new ModuleRegistry(keys);
    private final Groups groups = new Groups(registry, keys);
    private final DesiredStates desired;
    private final Drift drift;
    private final ModuleArea area;

    /** Reads the catalog from {@code db}; {@code clock} gives epoch milliseconds. */
    public Modules(final Database db, final FleetView fleet, final LongSupplier clock) throws SQLException {
        this.desired = new DesiredStates(db, keys, registry, groups);
        this.drift = new Drift(desired, fleet);
        this.area = new ModuleArea(db, this, clock);
    }

    public PublisherKeys keys() {
        return keys;
    }

    public ModuleRegistry registry() {
        return registry;
    }

    public Groups groups() {
        return groups;
    }

    public DesiredStates desired() {
        return desired;
    }

    public Drift drift() {
        return drift;
    }

    public ModuleArea area() {
        return area;
    }
}
