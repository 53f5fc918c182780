package dev.apollo.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** reference.conf: the defaults under every other layer, and the set of keys a configuration may use. */
final class ReferenceConfig {

    private static final Config REFERENCE = ConfigFactory
            .parseResources(ReferenceConfig.class.getClassLoader(), "reference.conf",
                    ConfigParseOptions.defaults().setAllowMissing(false))
            .resolve()
            .withOnlyPath("apollo");

    /** Leaf keys relative to {@code apollo}, e.g. {@code model.d-model}. */
    private static final Set<String> KEYS = REFERENCE.getConfig("apollo").entrySet().stream()
            .map(Map.Entry::getKey)
            .collect(Collectors.toUnmodifiableSet());

    private ReferenceConfig() {}

    /** Every reference.conf on the class path, cut down to its {@code apollo} root (other libraries' are dropped). */
    static Config config() {
        return REFERENCE;
    }

    /** Rejects the first (in sorted order) key of the {@code apollo} section that reference.conf does not define. */
    static void rejectUnknownKeys(Config apollo) {
        SortedSet<String> written = apollo.entrySet().stream()
                .map(Map.Entry::getKey)
                .collect(Collectors.toCollection(TreeSet::new));
        for (String key : written) {
            if (KEYS.contains(key)) {
                continue;
            }
            String value = apollo.getValue(key).render(ConfigRenderOptions.concise());
            if (isSection(key)) {
                throw new ConfigError("apollo." + key + " = " + value + ": must be an object with keys "
                        + String.join(", ", keysUnder(key)));
            }
            String section = knownSectionOf(key);
            String known = section.isEmpty()
                    ? "known sections are " + String.join(", ", sections())
                    : "known keys of apollo." + section + " are " + String.join(", ", keysUnder(section));
            throw new ConfigError("apollo." + key + " = " + value + ": unknown key; " + known);
        }
    }

    private static boolean isSection(String key) {
        return KEYS.stream().anyMatch(known -> known.startsWith(key + "."));
    }

    /** The longest leading part of {@code key} that names a section of the reference ("" if none). */
    private static String knownSectionOf(String key) {
        String prefix = key;
        while (prefix.contains(".")) {
            prefix = prefix.substring(0, prefix.lastIndexOf('.'));
            if (isSection(prefix)) {
                return prefix;
            }
        }
        return "";
    }

    private static SortedSet<String> keysUnder(String section) {
        return KEYS.stream()
                .filter(key -> key.startsWith(section + "."))
                .map(key -> key.substring(section.length() + 1))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static SortedSet<String> sections() {
        return KEYS.stream()
                .map(key -> key.substring(0, key.indexOf('.')))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
