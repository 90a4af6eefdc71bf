package io.tgcryptfs.timemachine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code timemachine mount --share} needs to know of an smb.conf before it starts smbd: the shares
 * and their directories, and the TCP ports smbd will listen on. Read from {@code testparm -s} output,
 * which is the configuration as smbd loads it (includes resolved, one {@code [section]} per share).
 */
public record ServedShares(List<Share> shares, List<Integer> ports) {
    /** smbd's default {@code smb ports}. */
    private static final List<Integer> DEFAULT_PORTS = List.of(445, 139);

    public record Share(String name, Path path) {
    }

    public static ServedShares parse(String testparmOutput) {
        List<Share> shares = new ArrayList<>();
        List<Integer> ports = DEFAULT_PORTS;
        String section = null;
        for (String raw : testparmOutput.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("[") && line.endsWith("]")) {
                section = line.substring(1, line.length() - 1);
                continue;
            }
            int eq = line.indexOf('=');
            if (section == null || eq < 0) {
                continue; // testparm's own messages ("Loaded services file OK.") come before the first section
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (section.equalsIgnoreCase("global") && key.equals("smb ports")) {
                ports = parsePorts(value);
            } else if (!section.equalsIgnoreCase("global") && key.equals("path") && value.startsWith("/")) {
                shares.add(new Share(section, Path.of(value).normalize()));
            }
        }
        return new ServedShares(List.copyOf(shares), ports);
    }

    /** The shares whose directory lies on the mount at {@code mountpoint} (an absolute, normalized path). */
    public List<Share> under(Path mountpoint) {
        return shares.stream().filter(s -> s.path().startsWith(mountpoint)).toList();
    }

    private static List<Integer> parsePorts(String value) {
        List<Integer> ports = new ArrayList<>();
        for (String p : value.split("[\\s,]+")) {
            if (p.matches("\\d{1,5}")) {
                ports.add(Integer.parseInt(p));
            }
        }
        return List.copyOf(ports);
    }
}
