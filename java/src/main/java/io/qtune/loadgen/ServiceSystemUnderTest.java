package io.qtune.loadgen;

import io.qtune.QtuneException;
import io.qtune.engine.Model;
import io.qtune.serve.InferenceResult;
import io.qtune.serve.InferenceService;
import io.qtune.serve.ServiceConfig;
import java.util.List;
import java.util.Locale;

/**
 * The in-process system under test: qtune's own {@link InferenceService} (its bounded queue, dynamic batcher and
 * instances x OpenMP threads) over one {@link Model}, with no HTTP in between. Each sample of a query is one
 * request of one image, so the service's batcher, not the query, decides how samples are grouped, as it does for
 * separate callers; the service answers each with the class taken from its outputs.
 *
 * <p>The service's start is the warm-up: it compiles every batch size up to the max batch and measures which
 * sizes keep each image's batch-1 bits, before LoadGen's timed run begins.
 */
public final class ServiceSystemUnderTest implements SystemUnderTest {
    private final InferenceService service;
    private final QuerySampleLibrary qsl;
    private final String classOutput;
    private final boolean classIsScores;

    private ServiceSystemUnderTest(InferenceService service, QuerySampleLibrary qsl, String classOutput, boolean classIsScores) {
        this.service = service;
        this.qsl = qsl;
        this.classOutput = classOutput;
        this.classIsScores = classIsScores;
    }

    /**
     * Starts a service over {@code model} (which stays its owner's to close) and returns once it takes requests.
     *
     * @param classOutput the output that gives the class: an ArgMax output (one value per sample), or, when
     *                    {@code classIsScores}, a scores output (classes per sample) whose arg max is taken
     */
    public static ServiceSystemUnderTest start(Model model, QuerySampleLibrary qsl, String classOutput, boolean classIsScores,
                                               ServiceConfig config) {
        InferenceService service = InferenceService.start(model, config);
        if (!service.outputs().stream().anyMatch(t -> t.name().equals(classOutput))) {
            service.close();
            throw new QtuneException("the model has no output '" + classOutput + "' to read the class from");
        }
        return new ServiceSystemUnderTest(service, qsl, classOutput, classIsScores);
    }

    @Override
    public String name() {
        ServiceConfig c = service.config();
        return String.format(Locale.ROOT, "qtune-service (instances %d, threads %d, max batch %d, max delay %.2f ms)", c.instances(),
                c.threads(), c.maxBatch(), c.maxDelay().toNanos() / 1e6);
    }

    /** The service under test (its metrics, its config). */
    public InferenceService service() {
        return service;
    }

    /**
     * Submits each sample as a request of one image. The loaded image itself is handed over (the service neither
     * keeps nor changes it), so a queue of a whole Offline query holds references, not copies. A sample the
     * service refuses (queue full) fails the run with the service's reason.
     */
    @Override
    public void issue(List<QuerySample> samples, Responses responses) {
        for (QuerySample s : samples) {
            try {
                // completes on the instance thread: the response time is taken when the result exists, and reading
                // one class from it is a few comparisons, too little to hold the instance up
                service.submit(qsl.sample(s.index()), 1).whenComplete((result, error) -> {
                    if (error != null) {
                        responses.fail(s, error); // the instance completes the future with the batch's own exception
                        return;
                    }
                    float c;
                    try {
                        c = classOf(result);
                    } catch (RuntimeException e) {
                        responses.fail(s, e);
                        return;
                    }
                    responses.complete(s, new float[] {c});
                });
            } catch (RuntimeException e) {
                responses.fail(s, e);
            }
        }
    }

    private float classOf(InferenceResult r) {
        InferenceResult.Tensor t = r.tensor(classOutput);
        if (classIsScores) {
            float[] s = r.floats(classOutput);
            int best = 0;
            for (int j = 1; j < s.length; j++) if (s[j] > s[best]) best = j;
            return best;
        }
        return t.isInteger() ? r.longs(classOutput)[0] : r.floats(classOutput)[0];
    }

    /** Answers every accepted sample, then stops the service; the model stays open: its owner closes it. */
    @Override
    public void close() {
        service.close();
    }
}
