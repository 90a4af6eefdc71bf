package io.tgcryptfs.control;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A Unix socket in the state directory through which `tgcryptfs status` and `tgcryptfs sync` talk
 * to the running mount. One request line per connection; the answer is lines of text ending with
 * {@code ok} or {@code error: reason}. Only the owner of the state directory can connect (0600).
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlServer.class);

    /** Handles one request, writing answer lines (without the final ok/error line). */
    @FunctionalInterface
    public interface Handler {
        void handle(String request, PrintWriter out) throws Exception;
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private volatile boolean closed;

    private ControlServer(Path socket, ServerSocketChannel server, Handler handler) {
        this.socket = socket;
        this.server = server;
        this.acceptor = new Thread(() -> acceptLoop(handler), "tgcryptfs-control");
        this.acceptor.setDaemon(true);
    }

    public static ControlServer start(Path socket, Handler handler) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        ControlServer control = new ControlServer(socket, server, handler);
        control.acceptor.start();
        return control;
    }

    private void acceptLoop(Handler handler) {
        while (!closed) {
            try {
                SocketChannel client = server.accept();
                Thread worker = new Thread(() -> serve(client, handler), "tgcryptfs-control-client");
                worker.setDaemon(true);
                worker.start();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("control socket: {}", e.toString());
                }
                return;
            }
        }
    }

    private static void serve(SocketChannel client, Handler handler) {
        try (client;
             BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(Channels.newOutputStream(client), true, StandardCharsets.UTF_8)) {
            String request = in.readLine();
            try {
                handler.handle(request == null ? "" : request.strip(), out);
                out.println("ok");
            } catch (Exception e) {
                out.println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            }
        } catch (IOException e) {
            log.debug("control client went away: {}", e.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.debug("closing control socket: {}", e.toString());
        }
    }
}
