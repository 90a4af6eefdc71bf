package io.tgcryptfs.control;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Sends one request to a running mount and streams the answer lines. */
public final class ControlClient {
    private ControlClient() {
    }

    /** @return null on success, or the error reason the mount gave */
    public static String request(Path socket, String request, Consumer<String> lines) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            PrintWriter out = new PrintWriter(Channels.newOutputStream(channel), true, StandardCharsets.UTF_8);
            out.println(request);
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("ok")) {
                    return null;
                }
                if (line.startsWith("error: ")) {
                    return line.substring("error: ".length());
                }
                lines.accept(line);
            }
            return "the mount closed the connection";
        }
    }
}
