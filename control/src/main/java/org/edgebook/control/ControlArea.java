package org.edgebook.control;

/**
 * One area of the control plane's API (nodes and the fleet, modules and groups, rollouts): it puts its routes on
 * {@link ControlRouting} when the server starts. Handlers stay thin; the work is in the area's own classes. Build an
 * area from {@link ControlServer#context()} and add it with {@link ControlServer#install} before
 * {@link ControlServer#start}.
 * <p>
 * Threading: {@link #install} is called once, on the thread that starts the server, before it listens.
 */
public interface ControlArea {
    void install(ControlRouting routing);
}
