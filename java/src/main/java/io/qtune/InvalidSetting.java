package io.qtune;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A library setting with a value it cannot take. The message names the setting as the library's builders do
 * ({@code calibSize}); a front end that spells it otherwise (the CLI's {@code --calib-size}) rewrites it with
 * {@link #messageFor}, so the library never names a flag it does not own.
 */
public class InvalidSetting extends QtuneException {
    private final String setting;

    /** @param problem what is wrong, following the setting's name: "must be at least 1, got 0" */
    public InvalidSetting(String setting, String problem) {
        super(setting + " " + problem);
        this.setting = setting;
    }

    private InvalidSetting(String setting, String message, boolean whole) {
        super(message);
        this.setting = setting;
    }

    /** An error whose message, as given, names the setting somewhere (not necessarily first). */
    public static InvalidSetting mentioning(String setting, String message) {
        return new InvalidSetting(setting, message, true);
    }

    /** The builder name of the setting, e.g. {@code calibSize}. */
    public String setting() {
        return setting;
    }

    /** The message with every whole-word mention of the setting replaced by {@code spelled}. */
    public String messageFor(String spelled) {
        return Pattern.compile("(?<![\\w-])" + Pattern.quote(setting) + "(?![\\w-])").matcher(getMessage())
                .replaceAll(Matcher.quoteReplacement(spelled));
    }
}
