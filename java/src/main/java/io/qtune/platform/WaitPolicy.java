package io.qtune.platform;

import java.util.Locale;

/**
 * How oneDNN's OpenMP workers wait between parallel regions, and who decided it.
 *
 * @param source   who set it
 * @param mode     "bounded spin", "passive" (sleep at once), "active" (spin for minutes) or "default"
 * @param spinCount libgomp spin iterations before sleeping, or -1 when libgomp's own default applies
 * @param note     why the source is what it is, or null
 */
public record WaitPolicy(Source source, String mode, long spinCount, String note) {
    /** Who chose the policy. */
    public enum Source { QTUNE, USER, INHERITED, OPENMP_DEFAULT }

    static WaitPolicy fromEnvironment(String ompWaitPolicy, String gompSpinCount, Source source, String note) {
        long spin = -1;
        if (gompSpinCount != null) {
            try {
                spin = Long.parseLong(gompSpinCount.trim());
            } catch (NumberFormatException e) {
                spin = -1; // libgomp also accepts "infinite"; shown through the mode text
            }
        }
        String mode;
        if (ompWaitPolicy != null && !ompWaitPolicy.isBlank()) mode = ompWaitPolicy.trim().toLowerCase(Locale.ROOT);
        else if (gompSpinCount != null) mode = "bounded spin";
        else mode = "default";
        return new WaitPolicy(source, mode, spin, note);
    }

    /** One line, e.g. {@code bounded spin (GOMP_SPINCOUNT=20000, set by qtune)}. */
    public String describe() {
        StringBuilder sb = new StringBuilder(mode);
        sb.append(" (");
        if (spinCount >= 0) sb.append("GOMP_SPINCOUNT=").append(spinCount).append(", ");
        sb.append(switch (source) {
            case QTUNE -> "set by qtune";
            case USER -> "set by the environment";
            case INHERITED -> "inherited";
            case OPENMP_DEFAULT -> "OpenMP default";
        });
        if (note != null) sb.append(": ").append(note);
        return sb.append(')').toString();
    }
}
