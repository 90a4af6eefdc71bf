package io.tgcryptfs.cli;

import io.tgcryptfs.backend.BlobStore;
import io.tgcryptfs.backend.local.LocalBlobStore;
import io.tgcryptfs.backend.telegram.TelegramBlobStore;
import io.tgcryptfs.backend.telegram.TelegramSettings;
import io.tgcryptfs.config.ConfigLoader;
import io.tgcryptfs.config.Settings;
import io.tgcryptfs.config.UnknownSettings;
import picocli.CommandLine.Option;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** Options every command that opens a volume shares: where the password and configuration come from. */
final class VolumeOptions {
    static final String PASSWORD_VARIABLE = "TGCRYPTFS_PASSWORD";

    @Option(names = "--password-file", paramLabel = "FILE",
            description = "Read the password from the first line of FILE (else $TGCRYPTFS_PASSWORD, else the terminal).")
    Path passwordFile;

    @Option(names = "--config", paramLabel = "FILE", description = "A HOCON file overriding application.conf.")
    Path configFile;

    Settings settings() {
        Map<String, String> env = System.getenv();
        try {
            com.typesafe.config.Config config = ConfigLoader.load(configFile, env);
            UnknownSettings.warnings(config).forEach(w -> System.err.println("tgcryptfs: warning: " + w));
            return Settings.from(config, env);
        } catch (RuntimeException e) {
            throw new CliException("configuration: " + e.getMessage());
        }
    }

    BlobStore backend(Settings settings) {
        try {
            return switch (settings.backendType()) {
                case "local" -> new LocalBlobStore(settings.localBackendDir(),
                        settings.raw().getBytes("tgcryptfs.backend.local.upload-bytes-per-second"));
                case "telegram" -> TelegramBlobStore.create(TelegramSettings.from(settings.raw()));
                default -> throw new CliException("unknown backend type '" + settings.backendType()
                        + "' (tgcryptfs.backend.type is local or telegram)");
            };
        } catch (IOException | IllegalArgumentException e) {
            throw new CliException("cannot open the backend: " + e.getMessage());
        }
    }

    /** Sends {@code request} to the mount of these settings and prints its answer lines through {@code lines}. */
    void askMount(Settings settings, String request, java.util.function.Consumer<String> lines) {
        String error;
        try {
            error = io.tgcryptfs.control.ControlClient.request(settings.controlSocket(), request, lines);
        } catch (IOException e) {
            throw new CliException("no running mount for " + settings.stateDir() + " (" + e.getMessage() + ")");
        }
        if (error != null) {
            throw new CliException(error);
        }
    }

    /** The password, never from an argument. {@code confirm} asks twice on a terminal (new volumes). */
    char[] password(boolean confirm) {
        return password(passwordFile, PASSWORD_VARIABLE, "Password", confirm);
    }

    /** A password from {@code file}, else the environment variable, else the terminal. */
    static char[] password(Path file, String variable, String prompt, boolean confirm) {
        if (file != null) {
            try {
                String content = Files.readString(file, StandardCharsets.UTF_8);
                int newline = content.indexOf('\n');
                String line = newline < 0 ? content : content.substring(0, newline);
                return nonEmpty(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
            } catch (java.nio.charset.MalformedInputException e) {
                throw new CliException("the password file " + file + " is not valid UTF-8");
            } catch (IOException e) {
                throw new CliException("cannot read the password file: " + e.getMessage());
            }
        }
        String fromEnv = RawEnvironment.get(variable);
        if (fromEnv != null) {
            return nonEmpty(fromEnv);
        }
        Console console = System.console();
        if (console == null) {
            throw new CliException("no password: give a password file, set " + variable + ", or run on a terminal");
        }
        char[] first = console.readPassword(prompt + ": ");
        if (first == null || first.length == 0) {
            throw new CliException("empty password");
        }
        decodable(first);
        if (confirm) {
            char[] second = console.readPassword(prompt + " again: ");
            if (!Arrays.equals(first, second)) {
                throw new CliException("the passwords differ");
            }
        }
        return first;
    }

    private static char[] nonEmpty(String password) {
        if (password.isEmpty()) {
            throw new CliException("empty password");
        }
        return decodable(password.toCharArray());
    }

    /** A password with U+FFFD is what a terminal under a locale that cannot carry the characters typed hands over. */
    private static char[] decodable(char[] password) {
        for (char c : password) {
            if (c == '\uFFFD') {
                throw new CliException("the password holds U+FFFD, a character its source could not decode: give it under"
                        + " a UTF-8 locale (LANG=C.UTF-8), in $" + PASSWORD_VARIABLE + " or with --password-file");
            }
        }
        return password;
    }
}
