package io.tgcryptfs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Layers configuration the way the README promises: -D system properties, then a --config file, then
 * $HOME/.config/tgcryptfs/application.conf (or $XDG_CONFIG_HOME), then application.conf on the classpath,
 * then reference.conf.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    public static Config load(Path explicitFile, Map<String, String> environment) {
        Config layered = ConfigFactory.defaultApplication();
        Path userFile = userConfigFile(environment);
        if (Files.isRegularFile(userFile)) {
            layered = parse(userFile).withFallback(layered);
        }
        if (explicitFile != null) {
            if (!Files.isRegularFile(explicitFile)) {
                throw new IllegalArgumentException("config file not found: " + explicitFile);
            }
            layered = parse(explicitFile).withFallback(layered);
        }
        ConfigFactory.invalidateCaches();
        return ConfigFactory.systemProperties()
                .withFallback(layered)
                .withFallback(ConfigFactory.defaultReference())
                .resolve();
    }

    static Path userConfigFile(Map<String, String> environment) {
        String xdg = environment.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isEmpty()
                ? Path.of(xdg)
                : home(environment).resolve(".config");
        return base.resolve("tgcryptfs").resolve("application.conf");
    }

    /**
     * The user's home: {@code $HOME} when set, as every Linux tool reads it, and only then Java's
     * {@code user.home}, which comes from the password database and so ignores a {@code HOME} that a
     * systemd unit, a container or a test harness sets.
     */
    public static Path home(Map<String, String> environment) {
        String home = environment.get("HOME");
        return home != null && !home.isEmpty() ? Path.of(home).toAbsolutePath() : Path.of(System.getProperty("user.home"));
    }

    private static Config parse(Path file) {
        return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    }
}
