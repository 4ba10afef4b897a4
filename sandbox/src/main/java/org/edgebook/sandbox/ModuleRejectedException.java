package org.edgebook.sandbox;

/** A module the sandbox will not run: malformed, invalid, or not fit for its calling convention or limits. */
public final class ModuleRejectedException extends Exception {
    public ModuleRejectedException(final String message) {
        super(message, null, false, false);
    }
}
