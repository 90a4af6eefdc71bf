package io.tgcryptfs.timemachine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether something listens on a TCP port, any address, IPv4 or IPv6, from /proc/net/tcp{,6}: a
 * connection attempt to 127.0.0.1 would miss an smbd bound to another interface only.
 */
public final class ListeningPorts {
    private static final String LISTEN = "0A";
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

    private ListeningPorts() {
    }

    public static boolean isListening(int port) {
        String hexPort = String.format(":%04X", port);
        for (Path table : TABLES) {
            try {
                for (String line : Files.readAllLines(table)) {
                    String[] f = line.strip().split("\\s+");
                    // sl local_address rem_address st ...
                    if (f.length > 3 && f[1].endsWith(hexPort) && f[3].equals(LISTEN)) {
                        return true;
                    }
                }
            } catch (IOException e) {
                // no IPv6 table on a kernel without IPv6: nothing listens there
            }
        }
        return false;
    }
}
