package org.edgebook.control.modules;

/**
 * One route of a node's desired state: the module version it serves (the group's, or a rollout's) and the shadow it
 * runs beside it (null for none).
 * <p>
 * Threading: immutable.
 */
public record DesiredRoute(String path, ModuleVersion module, ModuleVersion shadow) {
}
