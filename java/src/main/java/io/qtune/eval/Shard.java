package io.qtune.eval;

import io.qtune.InvalidSetting;

/**
 * Shard {@code index} of {@code count} (0-based, as Kubernetes' JOB_COMPLETION_INDEX): the contiguous images
 * {@code [first(n), end(n))} of an n-image set. The blocks of shards 0..count-1 tile the set, so every image is in
 * exactly one shard, and the split depends only on n and count: the same on every machine.
 */
public record Shard(int index, int count) {
    public static final Shard ALL = new Shard(0, 1);

    public Shard {
        if (count < 1) throw new InvalidSetting("shard", "count must be at least 1, got " + count);
        if (index < 0 || index >= count) throw new InvalidSetting("shard", "index must be in 0.." + (count - 1) + ", got " + index);
    }

    /** {@code K/N}, e.g. {@code 0/3}. */
    public static Shard parse(String s) {
        String[] kn = s == null ? new String[0] : s.split("/", -1);
        if (kn.length != 2) throw new InvalidSetting("shard", "'" + s + "' must be K/N with 0 <= K < N, e.g. 0/3");
        try {
            return new Shard(Integer.parseInt(kn[0].trim()), Integer.parseInt(kn[1].trim()));
        } catch (NumberFormatException e) {
            throw new InvalidSetting("shard", "'" + s + "' must be K/N with 0 <= K < N, e.g. 0/3");
        }
    }

    public int first(int n) {
        return (int) ((long) index * n / count);
    }

    public int end(int n) {
        return (int) ((long) (index + 1) * n / count);
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
