package io.tgcryptfs.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Environment variables as their bytes say in UTF-8. The JDK decodes the environment with the locale's
 * charset, and under the C locale (a service, cron, {@code env -i}) it turned every non-ASCII byte of
 * {@code TGCRYPTFS_PASSWORD} into U+FFFD: a volume made so had a weaker password than the one typed, and
 * that password, typed under a UTF-8 locale on the machine restoring it, was wrong. Linux keeps the
 * process's environment as it was started in {@code /proc/self/environ}; elsewhere the JDK's answer is
 * used.
 */
final class RawEnvironment {
    private static final Path ENVIRON = Path.of("/proc/self/environ");

    private RawEnvironment() {
    }

    /** The value of {@code name}, or null when it is not set. */
    static String get(String name) {
        if (!Files.isReadable(ENVIRON)) {
            return System.getenv(name);
        }
        try {
            return find(Files.readAllBytes(ENVIRON), name);
        } catch (IOException e) {
            return System.getenv(name);
        }
    }

    /** The value of {@code name} in {@code environ} (NUL-separated {@code NAME=value} entries), strict UTF-8. */
    static String find(byte[] environ, String name) {
        byte[] prefix = (name + "=").getBytes(StandardCharsets.US_ASCII);
        int start = 0;
        while (start < environ.length) {
            int end = start;
            while (end < environ.length && environ[end] != 0) {
                end++;
            }
            if (end - start >= prefix.length && Arrays.equals(environ, start, start + prefix.length, prefix, 0, prefix.length)) {
                return utf8(environ, start + prefix.length, end, name);
            }
            start = end + 1;
        }
        return null;
    }

    private static String utf8(byte[] bytes, int from, int to, String name) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, from, to - from)).toString();
        } catch (CharacterCodingException e) {
            throw new CliException("$" + name + " is not valid UTF-8");
        }
    }
}
