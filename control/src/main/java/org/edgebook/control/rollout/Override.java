package org.edgebook.control.rollout;

/**
 * What a rollout changes in one node's desired state on one path: the version to run instead of the group's
 * ({@code version}, null to keep the group's) and a version to run beside it as a shadow ({@code shadowVersion}, null
 * for none). Immutable.
 */
public record Override(String module, String version, String shadowVersion) {
}
