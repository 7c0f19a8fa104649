package io.qtune.engine;

import java.util.List;

/** Cast between host integer and float results (e.g. an ArgMax exported as float), with TF's truncation. */
final class CastStep extends HostStep {
    private final Value in;
    private final Value out;

    CastStep(String node, Value in, Value out) {
        super(node, "cast", List.of(in), List.of(out));
        this.in = in;
        this.out = out;
    }

    @Override
    void run(Workspace ws) {
        Object src = ws.host[in.id], dst = ws.host[out.id];
        if (src instanceof long[] l && dst instanceof float[] f) {
            for (int i = 0; i < l.length; i++) f[i] = l[i];
        } else if (src instanceof float[] f && dst instanceof long[] l) {
            for (int i = 0; i < f.length; i++) l[i] = (long) f[i];
        } else {
            throw new IllegalStateException("cast " + in + " -> " + out);
        }
    }
}
