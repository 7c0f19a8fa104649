package io.qtune.data;

import io.qtune.InvalidSetting;
import io.qtune.QtuneException;
import java.util.OptionalInt;

/**
 * How data set labels map to model output classes: {@code modelClass = label + offset}. The MLPerf ResNet50 has 1001
 * outputs with background class 0, so ImageNet's labels 0..999 need offset 1; a 1000-output model needs 0.
 * Resolved once from the number of model outputs, unless the user gives the offset explicitly.
 */
public final class LabelOffset {
    /** The name of the setting that gives the offset explicitly, quoted in error messages (the CLI says its flag). */
    public static final String OPTION = "labelOffset";

    private final int offset;
    private final int numLabels;
    private final int modelOutputs;
    private final boolean explicit;

    private LabelOffset(int offset, int numLabels, int modelOutputs, boolean explicit) {
        this.offset = offset;
        this.numLabels = numLabels;
        this.modelOutputs = modelOutputs;
        this.explicit = explicit;
    }

    /**
     * @param numLabels data set labels are 0..numLabels-1
     * @param modelOutputs number of classes the model scores
     * @param override an explicit offset, which wins over the inference from the class counts
     */
    public static LabelOffset resolve(int numLabels, int modelOutputs, OptionalInt override) {
        if (numLabels < 1) {
            throw new QtuneException("the data set must have at least one label, got " + numLabels);
        }
        if (modelOutputs < 1) {
            throw new QtuneException("the model must have at least one output class, got " + modelOutputs);
        }
        if (override.isPresent()) {
            int offset = override.getAsInt();
            if (offset < 0 || numLabels - 1 + offset > modelOutputs - 1) {
                throw whatFits("label offset " + offset + " maps data set labels 0.." + (numLabels - 1)
                        + " to model classes " + offset + ".." + (numLabels - 1 + offset)
                        + ", but the model has classes 0.." + (modelOutputs - 1) + "; ", numLabels, modelOutputs);
            }
            return new LabelOffset(offset, numLabels, modelOutputs, true);
        }
        if (modelOutputs == numLabels) {
            return new LabelOffset(0, numLabels, modelOutputs, false);
        }
        if (modelOutputs == numLabels + 1) {
            return new LabelOffset(1, numLabels, modelOutputs, false); // class 0 is background
        }
        throw whatFits("the model has " + modelOutputs + " output classes but the data set has " + numLabels
                + " labels (0.." + (numLabels - 1) + "): expected " + numLabels + " outputs (offset 0) or "
                + (numLabels + 1) + " (background class 0, offset 1); ", numLabels, modelOutputs);
    }

    /** Resolves for a data set, and checks that each of its labels (-1: unlabelled, ignored) maps to a model class. */
    public static LabelOffset forDataset(LabeledImages data, int modelOutputs, OptionalInt override) {
        LabelOffset offset = resolve(data.numLabels(), modelOutputs, override);
        for (int i = 0; i < data.size(); i++) {
            int label = data.label(i);
            if (label != -1 && (label < 0 || label >= data.numLabels())) {
                throw new QtuneException(data.id(i) + ": label " + label + " is outside the data set's 0.."
                        + (data.numLabels() - 1));
            }
        }
        return offset;
    }

    /** The error {@code problem} followed by the offsets that would fit, naming the setting that gives one. */
    private static QtuneException whatFits(String problem, int numLabels, int modelOutputs) {
        int maxOffset = modelOutputs - numLabels;
        if (maxOffset < 0) {
            return new QtuneException(problem + "no offset fits: the model scores fewer classes than the data set has labels; use"
                    + " a model trained on this data set");
        }
        if (maxOffset == 0) {
            return InvalidSetting.mentioning(problem + "pass ", OPTION, " 0");
        }
        return InvalidSetting.mentioning(problem + "pass ", OPTION, " N with N in 0.." + maxOffset
                + " to say where label 0 sits among the model's classes");
    }

    public int offset() {
        return offset;
    }

    public boolean isExplicit() {
        return explicit;
    }

    /** The model class that data set label {@code label} must be predicted as. */
    public int toModelClass(int label) {
        if (label < 0 || label >= numLabels) {
            throw new QtuneException("label " + label + " is outside the data set's 0.." + (numLabels - 1));
        }
        return label + offset;
    }

    /** The data set label of a predicted model class, or -1 for a class outside the data set (e.g. background). */
    public int toLabel(int modelClass) {
        if (modelClass < 0 || modelClass >= modelOutputs) {
            throw new QtuneException("model class " + modelClass + " is outside the model's 0.." + (modelOutputs - 1));
        }
        int label = modelClass - offset;
        return label >= 0 && label < numLabels ? label : -1;
    }

    @Override
    public String toString() {
        return "label offset " + offset + (explicit ? " (given)" : offset == 1
                ? " (model has " + modelOutputs + " outputs: " + numLabels + " labels + background class 0)"
                : " (model outputs = data set labels = " + numLabels + ")");
    }
}
