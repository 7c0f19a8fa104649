package io.qtune.graph;

/** One output of a node, written "name" (output 0) or "name:k" as in TensorFlow. */
public record TensorRef(String node, int output) {
    public static TensorRef parse(String ref) {
        int colon = ref.lastIndexOf(':');
        if (colon > 0) {
            String tail = ref.substring(colon + 1);
            if (!tail.isEmpty() && tail.chars().allMatch(Character::isDigit)) {
                return new TensorRef(ref.substring(0, colon), Integer.parseInt(tail));
            }
        }
        return new TensorRef(ref, 0);
    }

    @Override
    public String toString() {
        return output == 0 ? node : node + ":" + output;
    }
}
