package io.qtune.calib;

import io.qtune.QtuneException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The built-in range algorithms, and the parser for the names plans use ({@link RangeEstimator#spec()}):
 * {@code minmax}, {@code kl}, {@code mse}, {@code percentile} (99.99%) or {@code percentile:P}, plus any name
 * registered with {@link #register}.
 */
public enum RangeAlgorithm {
    MINMAX("minmax"),
    KL("kl"),
    PERCENTILE("percentile"),
    MSE("mse");

    private static final Map<String, Function<String, RangeEstimator>> REGISTERED = new TreeMap<>();

    private final String id;

    RangeAlgorithm(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** This algorithm with its default settings. */
    public RangeEstimator estimator() {
        return switch (this) {
            case MINMAX -> MinMaxRange.INSTANCE;
            case KL -> new KlRange();
            case PERCENTILE -> new PercentileRange();
            case MSE -> new MseRange();
        };
    }

    /**
     * Makes {@code name} (and {@code name:argument}) parse to the estimator the factory builds; the factory gets the
     * text after the colon, or null.
     */
    public static synchronized void register(String name, Function<String, RangeEstimator> factory) {
        if (!name.matches("[a-z][a-z0-9_-]*")) {
            throw new QtuneException("range algorithm name '" + name + "' must be lower case letters, digits, '-' or '_'");
        }
        for (RangeAlgorithm a : values()) {
            if (a.id.equals(name)) throw new QtuneException("range algorithm '" + name + "' is built in");
        }
        REGISTERED.put(name, factory);
    }

    public static synchronized RangeEstimator parse(String spec) {
        if (spec == null || spec.isBlank()) throw new QtuneException("range algorithm: empty name");
        int colon = spec.indexOf(':');
        String name = (colon < 0 ? spec : spec.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
        String arg = colon < 0 ? null : spec.substring(colon + 1).trim();
        switch (name) {
            case "minmax", "kl", "mse" -> {
                if (arg != null) throw new QtuneException("range algorithm '" + name + "' takes no argument, got '" + spec + "'");
                return valueOf(name.toUpperCase(Locale.ROOT)).estimator();
            }
            case "percentile" -> {
                if (arg == null) return new PercentileRange();
                try {
                    return new PercentileRange(Double.parseDouble(arg));
                } catch (NumberFormatException e) {
                    throw new QtuneException("range algorithm '" + spec + "': '" + arg + "' is not a number");
                }
            }
            default -> {
                Function<String, RangeEstimator> f = REGISTERED.get(name);
                if (f == null) {
                    throw new QtuneException("unknown range algorithm '" + spec + "'; expected minmax, kl, mse, percentile or percentile:P"
                            + (REGISTERED.isEmpty() ? "" : ", or one of " + REGISTERED.keySet()));
                }
                return f.apply(arg);
            }
        }
    }
}
