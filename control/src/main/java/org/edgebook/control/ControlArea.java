package org.edgebook.control;

/**
 * One area of the control plane's API (nodes and the fleet, modules and groups, rollouts): it puts its routes on
 * {@link ControlRouting} when the server starts. Handlers stay thin; the work is in the area's own classes.
 */
public interface ControlArea {
    void install(ControlRouting routing);
}
