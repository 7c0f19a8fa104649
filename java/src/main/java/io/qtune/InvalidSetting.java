package io.qtune;

/**
 * A library setting with a value it cannot take. The message names the setting as the library's builders do
 * ({@code calibSize}); a front end that spells it otherwise (the CLI's {@code --calib-size}) rewrites that one mention
 * with {@link #messageFor}, so the library never names a flag it does not own.
 */
public class InvalidSetting extends QtuneException {
    private final String setting;
    private final String before;
    private final String after;

    /** @param problem what is wrong, following the setting's name: "must be at least 1, got 0" */
    public InvalidSetting(String setting, String problem) {
        this(setting, "", " " + problem);
    }

    private InvalidSetting(String setting, String before, String after) {
        super(before + setting + after);
        this.setting = setting;
        this.before = before;
        this.after = after;
    }

    /** An error whose message is {@code before + setting + after}: the setting mentioned mid-sentence. */
    public static InvalidSetting mentioning(String before, String setting, String after) {
        return new InvalidSetting(setting, before, after);
    }

    /** The builder name of the setting, e.g. {@code calibSize}. */
    public String setting() {
        return setting;
    }

    /** The message with the setting spelled as {@code spelled} (e.g. a flag). */
    public String messageFor(String spelled) {
        return before + spelled + after;
    }
}
