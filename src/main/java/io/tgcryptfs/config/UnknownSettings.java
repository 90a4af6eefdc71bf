package io.tgcryptfs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Settings under {@code tgcryptfs} that reference.conf does not define. Typesafe Config ignores them,
 * so a misspelt key ({@code upload.concurency}) would otherwise leave the default in force without a
 * word; each is reported with the known key it most likely meant.
 */
public final class UnknownSettings {
    private static final String ROOT = "tgcryptfs";

    private UnknownSettings() {
    }

    /** One line per unknown key of {@code effective}, sorted; empty when every key is known. */
    public static List<String> warnings(Config effective) {
        // not ConfigFactory.defaultReference(): that has the system properties, typos and all, laid over it
        return warnings(effective, ConfigFactory.parseResourcesAnySyntax("reference")
                .resolve(ConfigResolveOptions.defaults().setAllowUnresolved(true)));
    }

    static List<String> warnings(Config effective, Config reference) {
        if (!effective.hasPath(ROOT)) {
            return List.of();
        }
        Set<String> known = keys(reference);
        List<String> lines = new ArrayList<>();
        for (String key : keys(effective)) {
            if (!known.contains(key) && !isListElement(key, reference)) {
                lines.add("unknown setting " + key + " is ignored" + nearest(key, known).map(k -> " (did you mean " + k + "?)").orElse(""));
            }
        }
        return lines;
    }

    private static Set<String> keys(Config config) {
        Set<String> keys = new TreeSet<>();
        if (config.hasPath(ROOT)) {
            config.getConfig(ROOT).entrySet().forEach(e -> keys.add(ROOT + "." + e.getKey()));
        }
        return keys;
    }

    /**
     * {@code -Dtgcryptfs.backend.telegram.chat-ids.0=...}: Typesafe Config reads an object with numeric
     * keys as a list, which is how a list is given as system properties.
     */
    private static boolean isListElement(String key, Config reference) {
        int dot = key.lastIndexOf('.');
        String parent = key.substring(0, dot);
        return key.substring(dot + 1).chars().allMatch(Character::isDigit)
                && reference.hasPath(parent)
                && reference.getValue(parent).valueType() == com.typesafe.config.ConfigValueType.LIST;
    }

    /** The known key within a few edits of {@code key}: a typo, not a different setting. */
    private static java.util.Optional<String> nearest(String key, Set<String> known) {
        int allowed = Math.max(2, key.length() / 10);
        return known.stream()
                .filter(k -> Math.abs(k.length() - key.length()) <= allowed)
                .min(Comparator.comparingInt(k -> distance(k, key)))
                .filter(k -> distance(k, key) <= allowed);
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
