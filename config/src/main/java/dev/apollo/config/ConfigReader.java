package dev.apollo.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigRenderOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads from the {@code apollo} section. Every failure, and every rule broken later by
 * {@link ConfigValidator}, becomes a {@link ConfigError} naming the key and its value as written.
 */
final class ConfigReader {

    private static final String WHOLE = "must be a whole number";
    private static final String FINITE = "must be a finite number";

    /** The {@code apollo} object, so keys here are relative to it ({@code model.layers}). */
    private final Config apollo;

    ConfigReader(Config apollo) {
        this.apollo = apollo;
    }

    int integer(String key) {
        long value = wholeNumber(key, readNumber(key, WHOLE));
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw invalid(key, "must be a whole number between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE);
        }
        return (int) value;
    }

    long longInteger(String key) {
        return wholeNumber(key, readNumber(key, WHOLE));
    }

    double number(String key) {
        double value = readNumber(key, FINITE).doubleValue();
        if (!Double.isFinite(value)) {
            throw invalid(key, FINITE);
        }
        return value;
    }

    /** A HOCON duration ({@code 90 s}, {@code 10 min}, {@code 500 ms}). */
    Duration duration(String key) {
        try {
            return apollo.getDuration(key);
        } catch (ConfigException e) {
            throw invalid(key, "must be a duration such as 90 s, 10 minutes or 500 ms", e);
        }
    }

    /** Whether {@code key} holds the string {@code word} (rather than, say, a number). */
    boolean isString(String key, String word) {
        return apollo.hasPath(key) && apollo.getValue(key).valueType() == com.typesafe.config.ConfigValueType.STRING
                && word.equals(apollo.getString(key));
    }

    String string(String key) {
        try {
            return apollo.getString(key);
        } catch (ConfigException e) {
            throw invalid(key, "must be a string", e);
        }
    }

    List<Integer> integerList(String key) {
        String allowed = "must be a list of whole numbers";
        List<Integer> values = new ArrayList<>();
        for (Number element : readNumberList(key, allowed)) {
            if (!isWhole(element) || element.doubleValue() < Integer.MIN_VALUE
                    || element.doubleValue() > Integer.MAX_VALUE) {
                throw invalid(key, allowed);
            }
            values.add(element.intValue());
        }
        return values;
    }

    List<Double> numberList(String key) {
        String allowed = "must be a list of finite numbers";
        List<Double> values = new ArrayList<>();
        for (Number element : readNumberList(key, allowed)) {
            if (!Double.isFinite(element.doubleValue())) {
                throw invalid(key, allowed);
            }
            values.add(element.doubleValue());
        }
        return values;
    }

    <E extends Enum<E>> E enumValue(String key, Class<E> type) {
        String allowed = "must be one of " + EnumNames.allowed(type);
        try {
            return EnumNames.fromHocon(type, apollo.getString(key)).orElseThrow(() -> invalid(key, allowed));
        } catch (ConfigException e) {
            throw invalid(key, allowed, e);
        }
    }

    /** The error for {@code key}: its value as written (or that it is missing) and what is allowed instead. */
    ConfigError invalid(String key, String allowed) {
        return new ConfigError(describe(key) + ": " + allowed);
    }

    private ConfigError invalid(String key, String allowed, ConfigException cause) {
        return new ConfigError(describe(key) + ": " + allowed, cause);
    }

    private String describe(String key) {
        if (!apollo.hasPathOrNull(key)) {
            return "apollo." + key + " is missing";
        }
        String written = apollo.getIsNull(key) ? "null" : apollo.getValue(key).render(ConfigRenderOptions.concise());
        return "apollo." + key + " = " + written;
    }

    private Number readNumber(String key, String allowed) {
        try {
            return apollo.getNumber(key);
        } catch (ConfigException e) {
            throw invalid(key, allowed, e);
        }
    }

    private List<Number> readNumberList(String key, String allowed) {
        try {
            return apollo.getNumberList(key);
        } catch (ConfigException e) {
            throw invalid(key, allowed, e);
        }
    }

    private long wholeNumber(String key, Number value) {
        if (!isWhole(value)) {
            throw invalid(key, WHOLE);
        }
        return value.longValue();
    }

    /** Typesafe's getInt/getLong would silently truncate 12.5 to 12, so integrality is checked here. */
    private static boolean isWhole(Number value) {
        if (value instanceof Integer || value instanceof Long) {
            return true;
        }
        double d = value.doubleValue();
        return Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 0x1p63;
    }
}
