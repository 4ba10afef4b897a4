package org.edgebook.journal;

import org.edgebook.engine.EventSink;
import org.edgebook.engine.ForwardingEventSink;

/**
 * Forwards events to a target that can be changed: recovery points it at {@link EventSink#DISCARD} while it replays
 * the journal, then at the real sink. Single writer (the engine's thread).
 */
public final class EventSinkSwitch extends ForwardingEventSink {
    private EventSink target;

    public EventSinkSwitch(final EventSink target) {
        this.target = target;
    }

    public EventSink target() {
        return target;
    }

    public void target(final EventSink target) {
        this.target = target;
    }

    @Override
    protected EventSink next() {
        return target;
    }
}
