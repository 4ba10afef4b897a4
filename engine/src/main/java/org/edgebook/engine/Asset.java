package org.edgebook.engine;

/** A defined asset. Engine-internal; single writer (the engine thread). */
final class Asset {
    final String name;
    final int id;
    final int scale;
    /** Deposits minus withdrawals, in units; capped at Long.MAX_VALUE so that no balance can ever overflow. */
    long circulating;

    Asset(final String name, final int id, final int scale) {
        this.name = name;
        this.id = id;
        this.scale = scale;
    }
}
