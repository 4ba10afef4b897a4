package org.edgebook.engine;

/**
 * One sender of numbered commands ({@link Command.FromSender}) and its mark: the highest number of its that the engine
 * has executed. Made on the sender's first executed command and kept forever, like accounts. Engine-internal; single
 * writer.
 */
final class Sender {
    final String name;
    long mark;

    Sender(final String name) {
        this.name = name;
    }
}
