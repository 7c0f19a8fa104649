package io.qtune.engine;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Gives every native root a buffer slot, reusing the slot of a root no later step reads. Slots never shrink; a
 * step's outputs never share a slot with its inputs unless the step was built in place.
 */
final class BufferPlanner {
    private BufferPlanner() {}

    /** Sets each root's {@link Value#slot} and returns the bytes of each slot. */
    static long[] plan(List<Value> values, List<Step> steps, Value input, List<Value> outputs) {
        Map<Value, Integer> first = new IdentityHashMap<>(), last = new IdentityHashMap<>();
        Map<Value, Long> bytes = new IdentityHashMap<>();
        for (Value v : values) {
            if (v.isNative()) bytes.merge(v.root, v.bytes(), Math::max);
        }
        first.put(input.root, -1);
        last.put(input.root, -1);
        for (int i = 0; i < steps.size(); i++) {
            for (Value v : steps.get(i).writes) {
                if (!v.isNative()) continue;
                first.putIfAbsent(v.root, i);
                last.merge(v.root, i, Math::max);
            }
            for (Value v : steps.get(i).reads) {
                if (v.isNative()) last.merge(v.root, i, Math::max);
            }
        }
        for (Value v : outputs) {
            if (v.isNative()) last.put(v.root, Integer.MAX_VALUE);
        }
        TreeMap<Integer, List<Value>> defs = new TreeMap<>(), frees = new TreeMap<>();
        for (Map.Entry<Value, Integer> e : first.entrySet()) defs.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
        for (Map.Entry<Value, Integer> e : last.entrySet()) frees.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
        List<Long> sizes = new ArrayList<>();
        List<Integer> free = new ArrayList<>();
        for (int i = -1; i < steps.size(); i++) {
            List<Value> born = new ArrayList<>(defs.getOrDefault(i, List.of()));
            born.sort((p, q) -> Integer.compare(p.id, q.id));
            for (Value r : born) {
                long need = bytes.get(r);
                int best = -1;
                for (int s : free) {
                    if (sizes.get(s) >= need && (best < 0 || sizes.get(s) < sizes.get(best))) best = s;
                }
                if (best < 0) {
                    for (int s : free) if (best < 0 || sizes.get(s) > sizes.get(best)) best = s;
                }
                if (best < 0) {
                    best = sizes.size();
                    sizes.add(need);
                } else {
                    free.remove(Integer.valueOf(best));
                    sizes.set(best, Math.max(sizes.get(best), need));
                }
                r.slot = best;
            }
            for (Value r : frees.getOrDefault(i, List.of())) {
                if (r.slot >= 0) free.add(r.slot);
            }
        }
        for (Value v : values) {
            if (v.isNative() && v.root.slot < 0) throw new IllegalStateException("no buffer planned for " + v);
        }
        return sizes.stream().mapToLong(Long::longValue).toArray();
    }
}
