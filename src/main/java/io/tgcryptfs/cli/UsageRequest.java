package io.tgcryptfs.cli;

import io.tgcryptfs.control.ControlClient;
import io.tgcryptfs.volume.StoredUsage;
import io.tgcryptfs.volume.Volume;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The control request {@code usage PATH}: the running mount walks the block maps of the files under
 * PATH (a directory of that mount, such as a sparse bundle) and answers their stored and pending bytes.
 * Both ends live here, so the line format is written once.
 */
final class UsageRequest {
    static final String VERB = "usage";
    private static final Pattern ANSWER = Pattern.compile("usage files=(\\d+) plain=(\\d+) stored=(\\d+) pending=(\\d+)");

    private UsageRequest() {
    }

    /** The mount's side: {@code argument} is an absolute path, which must lie on {@code mountpoint}. */
    static void answer(Volume volume, Path mountpoint, String argument, PrintWriter out) throws IOException {
        Path path = Path.of(argument).normalize();
        Path root = mountpoint.toRealPath();
        if (!path.isAbsolute() || !path.startsWith(root)) {
            throw new IllegalArgumentException(path + " is not on this mount (" + root + ")");
        }
        List<String> names = new ArrayList<>();
        root.relativize(path).forEach(name -> names.add(name.toString()));
        names.remove("");
        StoredUsage u = volume.usage(names);
        out.printf("usage files=%d plain=%d stored=%d pending=%d%n", u.files(), u.plainBytes(), u.storedBytes(),
                u.pendingBytes());
    }

    /** The asking side: the usage of {@code path} from the mount listening on {@code socket}. */
    static StoredUsage ask(Path socket, Path path) throws IOException {
        List<String> lines = new ArrayList<>();
        String error = ControlClient.request(socket, VERB + " " + path.toRealPath(), lines::add);
        if (error != null) {
            throw new IOException(error);
        }
        for (String line : lines) {
            Matcher m = ANSWER.matcher(line);
            if (m.matches()) {
                return new StoredUsage(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                        Long.parseLong(m.group(4)));
            }
        }
        throw new IOException("the mount gave no usage (an older version?)");
    }
}
