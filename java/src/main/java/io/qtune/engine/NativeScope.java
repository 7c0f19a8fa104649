package io.qtune.engine;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Pointer;

/**
 * Owns native objects (oneDNN handles, buffers) and frees them, newest first, on {@link #close()}.
 * Holding them here also keeps them reachable, so JavaCPP's garbage-collection fallback never frees
 * memory that a oneDNN primitive still reads.
 */
final class NativeScope implements AutoCloseable {
    private final List<Pointer> owned = new ArrayList<>();
    private boolean closed;

    synchronized <T extends Pointer> T own(T p) {
        if (closed) throw new IllegalStateException("native scope is closed");
        owned.add(p);
        return p;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (int i = owned.size() - 1; i >= 0; i--) owned.get(i).close();
        owned.clear();
    }
}
