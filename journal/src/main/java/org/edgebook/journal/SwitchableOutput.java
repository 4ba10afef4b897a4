package org.edgebook.journal;

import java.io.IOException;
import java.io.OutputStream;

/** An output stream whose target changes at batch boundaries, so one JSON writer fills every batch in turn. */
final class SwitchableOutput extends OutputStream {
    private OutputStream target = OutputStream.nullOutputStream();

    void target(final OutputStream target) {
        this.target = target;
    }

    @Override
    public void write(final int b) throws IOException {
        target.write(b);
    }

    @Override
    public void write(final byte[] b, final int off, final int len) throws IOException {
        target.write(b, off, len);
    }
}
