package io.tgcryptfs.it;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.SortedSet;

/**
 * The outcome of each test in smbtorture's output ("success: NAME", "failure: NAME [", "skip: NAME [",
 * "error: NAME ["), keyed by test name.
 */
record TortureResults(Map<String, String> outcomes) {

    static TortureResults parse(String output) {
        Map<String, String> outcomes = new TreeMap<>();
        for (String line : output.split("\n")) {
            int colon = line.indexOf(": ");
            if (colon < 0) {
                continue;
            }
            String outcome = line.substring(0, colon);
            if (!outcome.equals("success") && !outcome.equals("failure") && !outcome.equals("skip")
                    && !outcome.equals("error") && !outcome.equals("xfail")) {
                continue;
            }
            String name = line.substring(colon + 2).replaceFirst("\\s*\\[$", "").strip();
            outcomes.put(name, outcome);
        }
        return new TortureResults(outcomes);
    }

    SortedSet<String> passed() {
        SortedSet<String> names = new TreeSet<>();
        outcomes.forEach((name, outcome) -> {
            if (outcome.equals("success")) {
                names.add(name);
            }
        });
        return names;
    }

    String summary() {
        return passed().size() + " of " + outcomes.size() + " passed";
    }
}
