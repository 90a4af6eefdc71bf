package io.tgcryptfs.backend.telegram.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * A fake Telegram Bot API on 127.0.0.1 (ephemeral port) for tests: getMe, sendDocument (multipart),
 * sendMessage, pinChatMessage, unpinChatMessage, getChat, getFile, the {@code /file/bot<token>/<path>}
 * download, and deleteMessage. Documents are stored on disk under a temporary directory.
 *
 * <p><b>Limits, as Telegram enforces them</b> (all configurable): per bot and chat at most
 * {@code perChatPerSecond} sends per second and {@code perChatPerMinute} in any 60 s; per bot at most
 * {@code perBotPerSecond}; "sends" are sendDocument and sendMessage. A send beyond a limit is answered
 * {@code 429 {"ok":false,"error_code":429,"description":"Too Many Requests: retry after N","parameters":
 * {"retry_after":N}}}. Windows are measured on the server's clock at the request's arrival and shortened by
 * {@code tolerance} (default 100 ms), which absorbs network jitter like Telegram's own slack does. Uploads
 * above {@code maxUploadBytes} get 413, getFile for a file above {@code maxDownloadBytes} gets 400 "file is
 * too big". Unknown tokens get 401, unknown chats 400 "chat not found". With {@code deleteAgeLimit} set,
 * deleting a message older than that gets 400 "message can't be deleted" (Telegram documents 48 hours; off by
 * default).
 *
 * <p><b>A 429 pauses the whole bot.</b> Every 429 the fake answers (a limit, {@link #failNext},
 * {@link #rateLimitNextSend}) announces a pause of {@code retry_after} seconds for that bot. Every request
 * of that bot that arrives during the pause, whatever the method or chat (downloads included), is answered
 * 429 again with the seconds left, and is not processed. Such a request counts as a <em>violation</em>
 * ({@link #pauseViolations()}) unless it reached the server within {@code pauseGrace} (default 100 ms) of
 * the announcement: those were on the wire before the client could have read the 429. A client that
 * honours retry_after leaves {@link #pauseViolations()} at 0. Use {@code pauseGrace(Duration.ZERO)} with a
 * shared fake clock, where no time passes in flight.
 *
 * <p><b>Knobs</b> (thread-safe, changeable at runtime): latency per request, a fraction of requests answered
 * 500 (JSON) or 502 (HTML, like a proxy), a fraction of connections dropped before processing, a fraction
 * processed but whose response is lost, chats that reject the bot (403), a forced 429 on a chat's next send,
 * a fixed retry_after, a 429 to the next K calls of a method ({@link #failNext}).
 *
 * <p><b>Counters</b>: requests by method and a log of every request ({@link #requestLog()}), accepted sends
 * per chat with server-side timestamps, 429s per chat and in all, pause refusals and violations, live
 * documents (by file name, to assert "every pack appears exactly once"), documents and messages per chat
 * ({@link #documentCount}, {@link #messageCount}, {@link #textMessages}).
 *
 * <p>Time comes from an injectable {@link Clock}; share a fake clock with the client for deterministic
 * pacing tests. Randomness (fault injection) comes from a seeded {@link Random}.
 */
public final class FakeBotApi implements AutoCloseable {
    /** Methods that count as a sent message for the rate limits. */
    public static final Set<String> SEND_METHODS = Set.of("sendDocument", "sendMessage");

    private static final int MAX_TEXT = 4096;

    static {
        // Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus the client's delayed
        // ACK adds ~40 ms to every reply. Read once, when the JDK's server configuration is first loaded.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** A document the fake holds. */
    public record StoredDocument(String fileId, String fileUniqueId, long botId, long chatId, long messageId,
                                 String fileName, long size, String filePath, Path location) {
    }

    /** A send the fake accepted, stamped with the server's clock at arrival. */
    public record AcceptedSend(long botId, long chatId, String method, Instant at) {
    }

    /**
     * One request from a known bot, as the server answered it.
     *
     * @param method the Bot API method, or {@code "file"} for a download
     * @param chatId the request's {@code chat_id}, or null (getFile, downloads, getMe)
     * @param at     arrival on the server's clock
     * @param status the HTTP status answered (429 for a refused request)
     */
    public record Request(long botId, String method, Long chatId, Instant at, int status) {
    }

    /** A bot's pause after a 429: announced at {@code announcedAt}, over at {@code until}. */
    private record Pause(Instant announcedAt, Instant until) {
    }

    /** What {@link #failNext} asked for: {@code remaining} more 429s with this retry_after. */
    private static final class Forced {
        int remaining;
        final int retryAfter;

        Forced(int remaining, int retryAfter) {
            this.remaining = remaining;
            this.retryAfter = retryAfter;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures and starts a fake server. */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private double perChatPerSecond = 1.0;
        private int perChatPerMinute = 20;
        private double perBotPerSecond = 30;
        private Duration tolerance = Duration.ofMillis(100);
        private Duration pauseGrace = Duration.ofMillis(100);
        private Duration deleteAgeLimit;
        private long maxUploadBytes = 50_000_000L;
        private long maxDownloadBytes = 20_000_000L;
        private final List<String> tokens = new ArrayList<>();
        private final List<Long> chats = new ArrayList<>();
        private long seed = 1;
        private Path storageDir;

        public Builder bot(String token) {
            tokens.add(token);
            return this;
        }

        public Builder chat(long chatId) {
            chats.add(chatId);
            return this;
        }

        public Builder clock(Clock c) {
            this.clock = c;
            return this;
        }

        public Builder perChatPerSecond(double r) {
            this.perChatPerSecond = r;
            return this;
        }

        public Builder perChatPerMinute(int n) {
            this.perChatPerMinute = n;
            return this;
        }

        public Builder perBotPerSecond(double r) {
            this.perBotPerSecond = r;
            return this;
        }

        /** Sets all three rates high enough not to matter. */
        public Builder unlimited() {
            return perChatPerSecond(1_000_000).perChatPerMinute(1_000_000).perBotPerSecond(1_000_000);
        }

        public Builder tolerance(Duration d) {
            this.tolerance = d;
            return this;
        }

        /**
         * How long after a 429 a request of the same bot may still arrive without counting as a violation
         * (it was in flight when the 429 went out). Default 100 ms; zero for a shared fake clock.
         */
        public Builder pauseGrace(Duration d) {
            this.pauseGrace = d;
            return this;
        }

        /** Messages older than this cannot be deleted (400 "message can't be deleted"); default: any age. */
        public Builder deleteAgeLimit(Duration d) {
            this.deleteAgeLimit = d;
            return this;
        }

        public Builder maxUploadBytes(long n) {
            this.maxUploadBytes = n;
            return this;
        }

        public Builder maxDownloadBytes(long n) {
            this.maxDownloadBytes = n;
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Where documents are stored; default a fresh temporary directory deleted on close. */
        public Builder storageDir(Path dir) {
            this.storageDir = dir;
            return this;
        }

        public FakeBotApi start() throws IOException {
            return new FakeBotApi(this);
        }
    }

    private final ObjectMapper json = new ObjectMapper();
    private final Clock clock;
    private final double perChatPerSecond;
    private final int perChatPerMinute;
    private final double perBotPerSecond;
    private final Duration tolerance;
    private final Duration pauseGrace;
    private final Duration deleteAgeLimit;
    private final long maxUploadBytes;
    private final long maxDownloadBytes;
    private final Path storage;
    private final boolean ownStorage;
    private final HttpServer server;
    private final ExecutorService executor;
    private final Random random;

    private final Map<String, Long> botsByToken = new ConcurrentHashMap<>();
    private final Object state = new Object();
    // guarded by state
    private final Map<Long, Chat> chats = new HashMap<>();
    private final Map<String, StoredDocument> documentsById = new HashMap<>();
    private final Map<String, StoredDocument> documentsByPath = new HashMap<>();
    private final Map<String, List<Instant>> laneSends = new HashMap<>();
    private final Map<Long, List<Instant>> botSends = new HashMap<>();
    private final List<AcceptedSend> accepted = new ArrayList<>();
    private final Map<Long, Long> rateLimitedByChat = new HashMap<>();
    private final Map<Long, Integer> forced429 = new HashMap<>();
    private final Map<String, Forced> forcedByMethod = new HashMap<>();
    private final Map<Long, Pause> pauses = new HashMap<>();
    private final List<Request> requestLog = new ArrayList<>();
    private long rateLimitedTotal;
    private long pauseRefusals;
    private long pauseViolations;
    private long nextFile = 1;
    private long documentsEverStored;
    private int lastRetryAfter;
    private boolean closed;

    private final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();
    private volatile Duration latency = Duration.ZERO;
    private volatile double serverErrorRate;
    private volatile double dropRate;
    private volatile double lostResponseRate;
    private volatile Integer retryAfterOverride;

    private FakeBotApi(Builder b) throws IOException {
        this.clock = b.clock;
        this.perChatPerSecond = b.perChatPerSecond;
        this.perChatPerMinute = b.perChatPerMinute;
        this.perBotPerSecond = b.perBotPerSecond;
        this.tolerance = b.tolerance;
        this.pauseGrace = b.pauseGrace;
        this.deleteAgeLimit = b.deleteAgeLimit;
        this.maxUploadBytes = b.maxUploadBytes;
        this.maxDownloadBytes = b.maxDownloadBytes;
        this.random = new Random(b.seed);
        this.ownStorage = b.storageDir == null;
        this.storage = ownStorage ? Files.createTempDirectory("fake-bot-api-") : b.storageDir;
        Files.createDirectories(storage.resolve("documents"));
        for (String token : b.tokens) {
            addBot(token);
        }
        for (long chat : b.chats) {
            addChat(chat);
        }
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-bot-api");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    // ---------------------------------------------------------------- setup and knobs

    /** The base URL to configure as {@code api-url}. */
    public String apiUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void addBot(String token) {
        botsByToken.put(token, Long.parseLong(token.substring(0, token.indexOf(':'))));
    }

    public void addChat(long chatId) {
        synchronized (state) {
            chats.putIfAbsent(chatId, new Chat(chatId));
        }
    }

    /** Time the server waits before handling each request. */
    public void setLatency(Duration d) {
        this.latency = d;
    }

    /** Fraction of requests answered 500 (JSON) or 502 (an HTML proxy page), before any processing. */
    public void setServerErrorRate(double fraction) {
        this.serverErrorRate = fraction;
    }

    /** Fraction of connections closed without a response, before any processing. */
    public void setDropRate(double fraction) {
        this.dropRate = fraction;
    }

    /** Fraction of requests processed (a document is stored!) whose response is then lost. */
    public void setLostResponseRate(double fraction) {
        this.lostResponseRate = fraction;
    }

    /** Makes {@code chatId} answer 403 "Forbidden: bot is not a member of the channel chat" (or stop). */
    public void setRejectsBot(long chatId, boolean rejects) {
        synchronized (state) {
            chat(chatId).rejects = rejects;
        }
    }

    /** The next send to {@code chatId} gets a 429 with this retry_after, whatever the rates say. */
    public void rateLimitNextSend(long chatId, int retryAfterSeconds) {
        synchronized (state) {
            forced429.put(chatId, retryAfterSeconds);
        }
    }

    /**
     * The next {@code times} calls of {@code method} (any bot, any chat; {@code "file"} for downloads) are
     * answered 429 with {@code retryAfterSeconds}, before anything else is checked and without being
     * processed; each one pauses its bot like any 429. Calls refused because their bot is paused do not
     * use up the count. Replaces an earlier {@code failNext} for the same method; {@code times = 0} cancels.
     * Example: {@code failNext("pinChatMessage", 5, 1)} refuses five root publishes in a row at the pin.
     */
    public void failNext(String method, int times, int retryAfterSeconds) {
        synchronized (state) {
            if (times <= 0) {
                forcedByMethod.remove(method);
            } else {
                forcedByMethod.put(method, new Forced(times, retryAfterSeconds));
            }
        }
    }

    /** Every 429 says this retry_after instead of the computed one (null: computed). */
    public void setRetryAfterOverride(Integer seconds) {
        this.retryAfterOverride = seconds;
    }

    // ---------------------------------------------------------------- counters

    public long requests(String method) {
        AtomicLong n = requests.get(method);
        return n == null ? 0 : n.get();
    }

    public Map<String, Long> requestsByMethod() {
        Map<String, Long> m = new TreeMap<>();
        requests.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    /** Server-side arrival times of the sends accepted in {@code chatId} (all bots), in order. */
    public List<Instant> acceptedSendTimes(long chatId) {
        synchronized (state) {
            return accepted.stream().filter(a -> a.chatId() == chatId).map(AcceptedSend::at).sorted().toList();
        }
    }

    public List<AcceptedSend> acceptedSends() {
        synchronized (state) {
            return accepted.stream().sorted(Comparator.comparing(AcceptedSend::at)).toList();
        }
    }

    /** 429s answered for sends to {@code chatId}. */
    public long rateLimited(long chatId) {
        synchronized (state) {
            return rateLimitedByChat.getOrDefault(chatId, 0L);
        }
    }

    /** Every 429 answered, to any method, pause refusals included. */
    public long rateLimitedTotal() {
        synchronized (state) {
            return rateLimitedTotal;
        }
    }

    /** Requests answered 429 because their bot was paused (violations and in-flight ones within the grace). */
    public long pauseRefusals() {
        synchronized (state) {
            return pauseRefusals;
        }
    }

    /**
     * Requests that arrived while their bot was paused by an earlier 429, later than {@code pauseGrace} after
     * it: the client sent them although it had been told to wait. A correct client keeps this at 0.
     */
    public long pauseViolations() {
        synchronized (state) {
            return pauseViolations;
        }
    }

    /** Every request from a known bot, in order of arrival, with the status it got. */
    public List<Request> requestLog() {
        synchronized (state) {
            return List.copyOf(requestLog);
        }
    }

    /** The retry_after of the last 429 answered. */
    public int lastRetryAfter() {
        synchronized (state) {
            return lastRetryAfter;
        }
    }

    /** The documents stored now (deleted ones are gone). */
    public List<StoredDocument> documents() {
        synchronized (state) {
            return List.copyOf(documentsById.values());
        }
    }

    /** How many stored documents carry each file name. */
    public Map<String, Long> documentCountsByName() {
        synchronized (state) {
            return documentsById.values().stream()
                    .collect(Collectors.groupingBy(StoredDocument::fileName, TreeMap::new, Collectors.counting()));
        }
    }

    /** Documents ever stored, deleted ones included. */
    public long documentsEverStored() {
        synchronized (state) {
            return documentsEverStored;
        }
    }

    public Optional<String> pinnedText(long chatId) {
        synchronized (state) {
            Message m = chat(chatId).pinnedMessage();
            return m == null ? Optional.empty() : Optional.ofNullable(m.text);
        }
    }

    /** Messages currently in the chat (text and documents); deleted ones are gone. */
    public int messageCount(long chatId) {
        synchronized (state) {
            return chat(chatId).messages.size();
        }
    }

    /** Documents currently in the chat; deleted ones are gone. */
    public int documentCount(long chatId) {
        synchronized (state) {
            return (int) chat(chatId).messages.values().stream().filter(m -> m.document != null).count();
        }
    }

    /** The texts of the text messages currently in the chat, oldest first (e.g. root records). */
    public List<String> textMessages(long chatId) {
        synchronized (state) {
            return chat(chatId).messages.values().stream().filter(m -> m.text != null).map(m -> m.text).toList();
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (state) {
            if (closed) {
                return;
            }
            closed = true;
        }
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownStorage) {
            try (var walk = Files.walk(storage)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    // ---------------------------------------------------------------- HTTP

    /** A reply to send, or a file to stream. */
    private record Reply(int status, String contentType, byte[] body, Path file) {
        static Reply ok(JsonNode result) {
            return new Reply(200, "application/json", bytes("{\"ok\":true,\"result\":" + result + "}"), null);
        }

        static Reply error(int status, String description) {
            return error(status, description, null);
        }

        static Reply error(int status, String description, JsonNode parameters) {
            ObjectNode n = new ObjectMapper().createObjectNode();
            n.put("ok", false);
            n.put("error_code", status);
            n.put("description", description);
            if (parameters != null) {
                n.set("parameters", parameters);
            }
            return new Reply(status, "application/json", bytes(n.toString()), null);
        }
    }

    private void handle(HttpExchange ex) {
        try {
            String path = ex.getRequestURI().getRawPath();
            boolean download = path.startsWith("/file/bot");
            String rest = path.substring(download ? "/file/bot".length() : Math.min(path.length(), "/bot".length()));
            int slash = rest.indexOf('/');
            String token = slash < 0 ? "" : rest.substring(0, slash);
            String target = slash < 0 ? "" : rest.substring(slash + 1);
            String method = download ? "file" : target;
            requests.computeIfAbsent(method, k -> new AtomicLong()).incrementAndGet();

            Instant received = clock.instant();
            Duration wait = latency;
            if (!wait.isZero()) {
                Thread.sleep(wait.toMillis());
            }
            Instant arrival = clock.instant();
            byte[] body = readBody(ex);

            double roll;
            double roll2;
            synchronized (random) {
                roll = random.nextDouble();
                roll2 = random.nextDouble();
            }
            if (roll < dropRate) {
                return; // finally closes the exchange before any response: the connection drops
            }
            if (roll < dropRate + serverErrorRate) {
                if (roll2 < 0.5) {
                    send(ex, Reply.error(500, "Internal Server Error"));
                } else {
                    send(ex, new Reply(502, "text/html", bytes("<html><body><h1>502 Bad Gateway</h1></body></html>"), null));
                }
                return;
            }
            Long botId = botsByToken.get(token);
            boolean botPath = download || path.startsWith("/bot");
            if (!botPath || botId == null) {
                send(ex, Reply.error(401, "Unauthorized"));
                return;
            }
            Reply reply;
            Long chatId = null;
            if (download) {
                reply = gate(botId, method, null, received, arrival);
                if (reply == null) {
                    reply = file(botId, target);
                }
            } else if (body == null) {
                reply = Reply.error(413, "Request Entity Too Large");
            } else {
                Params params = params(ex, body);
                chatId = params.chatIdOrNull();
                reply = gate(botId, method, chatId, received, arrival);
                if (reply == null) {
                    reply = route(method, botId, params, arrival);
                }
            }
            synchronized (state) {
                requestLog.add(new Request(botId, method, chatId, arrival, reply.status()));
            }
            synchronized (random) {
                roll = random.nextDouble();
            }
            if (roll < lostResponseRate) {
                return;
            }
            send(ex, reply);
        } catch (Throwable t) {
            try {
                send(ex, Reply.error(500, "Internal Server Error: " + t));
            } catch (IOException ignored) {
                // the client is gone
            }
        } finally {
            ex.close();
        }
    }

    /** The whole body, or null (drained) when it is far above the upload limit. */
    private byte[] readBody(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        try (InputStream in = ex.getRequestBody()) {
            if (length != null && Long.parseLong(length) > maxUploadBytes + 1_000_000L) {
                in.transferTo(OutputStream.nullOutputStream());
                return null;
            }
            return in.readAllBytes();
        }
    }

    private void send(HttpExchange ex, Reply reply) throws IOException {
        ex.getResponseHeaders().set("Content-Type", reply.contentType());
        if (reply.file() != null) {
            long size = Files.size(reply.file());
            ex.sendResponseHeaders(reply.status(), size == 0 ? -1 : size);
            try (OutputStream out = ex.getResponseBody()) {
                Files.copy(reply.file(), out);
            }
            return;
        }
        ex.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(reply.body());
        }
    }

    // ---------------------------------------------------------------- methods

    private Reply route(String method, long botId, Params p, Instant arrival) throws IOException {
        return switch (method) {
            case "getMe" -> Reply.ok(json.createObjectNode().put("id", botId).put("is_bot", true)
                    .put("first_name", "Fake bot").put("username", "fake_" + botId + "_bot"));
            case "sendDocument" -> sendDocument(botId, p, arrival);
            case "sendMessage" -> sendMessage(botId, p, arrival);
            case "pinChatMessage" -> pin(botId, p);
            case "unpinChatMessage" -> unpin(botId, p);
            case "getChat" -> getChat(botId, p);
            case "getFile" -> getFile(botId, p);
            case "deleteMessage" -> deleteMessage(botId, p, arrival);
            default -> Reply.error(404, "Not Found");
        };
    }

    private Reply sendDocument(long botId, Params p, Instant arrival) throws IOException {
        Multipart.Part doc = p.files.get("document");
        synchronized (state) {
            Reply refusal = chatRefusal(p);
            if (refusal != null) {
                return refusal;
            }
            if (doc == null) {
                return Reply.error(400, "Bad Request: there is no document in the request");
            }
            if (doc.data().length > maxUploadBytes) {
                return Reply.error(413, "Request Entity Too Large");
            }
            Reply limited = admit(botId, p.chatId(), arrival, "sendDocument");
            if (limited != null) {
                return limited;
            }
        }
        long n;
        synchronized (state) {
            n = nextFile++;
        }
        String filePath = "documents/file_" + n;
        Path location = storage.resolve(filePath);
        Files.write(location, doc.data());
        synchronized (state) {
            Chat chat = chat(p.chatId());
            long messageId = chat.nextMessageId++;
            StoredDocument stored = new StoredDocument("BQAC" + botId + "_" + n, "AgAD" + n, botId, chat.id, messageId,
                    doc.fileName() == null ? "document" : doc.fileName(), doc.data().length, filePath, location);
            documentsById.put(stored.fileId(), stored);
            documentsByPath.put(filePath, stored);
            documentsEverStored++;
            Message m = new Message(messageId, botId, arrival, null, stored);
            chat.messages.put(messageId, m);
            return Reply.ok(messageJson(chat, m));
        }
    }

    private Reply sendMessage(long botId, Params p, Instant arrival) {
        synchronized (state) {
            Reply refusal = chatRefusal(p);
            if (refusal != null) {
                return refusal;
            }
            String text = p.get("text");
            if (text == null || text.isEmpty()) {
                return Reply.error(400, "Bad Request: message text is empty");
            }
            if (text.length() > MAX_TEXT) {
                return Reply.error(400, "Bad Request: message is too long");
            }
            Reply limited = admit(botId, p.chatId(), arrival, "sendMessage");
            if (limited != null) {
                return limited;
            }
            Chat chat = chat(p.chatId());
            Message m = new Message(chat.nextMessageId++, botId, arrival, text, null);
            chat.messages.put(m.id, m);
            return Reply.ok(messageJson(chat, m));
        }
    }

    private Reply pin(long botId, Params p) {
        synchronized (state) {
            Reply refusal = chatRefusal(p);
            if (refusal != null) {
                return refusal;
            }
            Chat chat = chat(p.chatId());
            long id = p.getLong("message_id");
            if (!chat.messages.containsKey(id)) {
                return Reply.error(400, "Bad Request: message to pin not found");
            }
            chat.pinned.add(id);
            return Reply.ok(json.getNodeFactory().booleanNode(true));
        }
    }

    private Reply unpin(long botId, Params p) {
        synchronized (state) {
            Reply refusal = chatRefusal(p);
            if (refusal != null) {
                return refusal;
            }
            Chat chat = chat(p.chatId());
            String id = p.get("message_id");
            if (id == null) {
                if (!chat.pinned.isEmpty()) {
                    chat.pinned.remove(chat.pinned.last());
                }
            } else if (!chat.pinned.remove(Long.parseLong(id))) {
                return Reply.error(400, "Bad Request: message to unpin not found");
            }
            return Reply.ok(json.getNodeFactory().booleanNode(true));
        }
    }

    private Reply getChat(long botId, Params p) {
        synchronized (state) {
            Reply refusal = chatRefusal(p);
            if (refusal != null) {
                return refusal;
            }
            Chat chat = chat(p.chatId());
            ObjectNode n = chatJson(chat);
            Message pinned = chat.pinnedMessage();
            if (pinned != null) {
                n.set("pinned_message", messageJson(chat, pinned));
            }
            return Reply.ok(n);
        }
    }

    private Reply getFile(long botId, Params p) {
        synchronized (state) {
            StoredDocument d = documentsById.get(p.get("file_id"));
            if (d == null || d.botId() != botId) {
                return Reply.error(400, "Bad Request: invalid file_id");
            }
            if (d.size() > maxDownloadBytes) {
                return Reply.error(400, "Bad Request: file is too big");
            }
            return Reply.ok(json.createObjectNode().put("file_id", d.fileId()).put("file_unique_id", d.fileUniqueId())
                    .put("file_size", d.size()).put("file_path", d.filePath()));
        }
    }

    /** Deletes a text message or a document; a pinned message is unpinned with it, as in Telegram. */
    private Reply deleteMessage(long botId, Params p, Instant arrival) throws IOException {
        StoredDocument removed;
        synchronized (state) {
            Reply refusal = chatRefusal(p);
            if (refusal != null) {
                return refusal;
            }
            Chat chat = chat(p.chatId());
            Message m = chat.messages.get(p.getLong("message_id"));
            if (m == null) {
                return Reply.error(400, "Bad Request: message to delete not found");
            }
            if (deleteAgeLimit != null && !arrival.isBefore(m.date.plus(deleteAgeLimit))) {
                return Reply.error(400, "Bad Request: message can't be deleted");
            }
            chat.messages.remove(m.id);
            // getChat then shows the most recent message still pinned, if any
            chat.pinned.remove(m.id);
            removed = m.document;
            if (removed != null) {
                documentsById.remove(removed.fileId());
                documentsByPath.remove(removed.filePath());
            }
        }
        if (removed != null) {
            Files.deleteIfExists(removed.location());
        }
        return Reply.ok(json.getNodeFactory().booleanNode(true));
    }

    private Reply file(long botId, String filePath) {
        synchronized (state) {
            StoredDocument d = documentsByPath.get(filePath);
            if (d == null || d.botId() != botId || d.size() > maxDownloadBytes) {
                return Reply.error(404, "Not Found");
            }
            return new Reply(200, "application/octet-stream", null, d.location());
        }
    }

    // ---------------------------------------------------------------- limits

    /** Null when the chat exists and accepts the bot; otherwise the refusal. Called under state. */
    private Reply chatRefusal(Params p) {
        Long id = p.chatIdOrNull();
        Chat chat = id == null ? null : chats.get(id);
        if (chat == null) {
            return Reply.error(400, "Bad Request: chat not found");
        }
        if (chat.rejects) {
            return Reply.error(403, "Forbidden: bot is not a member of the channel chat");
        }
        return null;
    }

    /**
     * Null when the request may be processed; otherwise the 429 for a paused bot or a {@link #failNext}.
     *
     * @param received when the request reached the server (before the simulated latency)
     * @param arrival  when it is processed
     */
    private Reply gate(long botId, String method, Long chatId, Instant received, Instant arrival) {
        synchronized (state) {
            Pause pause = pauses.get(botId);
            if (pause != null && arrival.isBefore(pause.until())) {
                pauseRefusals++;
                if (!received.isBefore(pause.announcedAt().plus(pauseGrace))) {
                    pauseViolations++;
                }
                Duration left = Duration.between(arrival, pause.until());
                return tooManyRequests(botId, chatId, Math.max(1, (left.toMillis() + 999) / 1000), arrival, false);
            }
            Forced forced = forcedByMethod.get(method);
            if (forced != null) {
                if (--forced.remaining <= 0) {
                    forcedByMethod.remove(method);
                }
                return tooManyRequests(botId, chatId, forced.retryAfter, arrival, true);
            }
            return null;
        }
    }

    /** A 429 with {@code seconds}; {@code announce} starts the bot's pause (a refusal during one does not). */
    private Reply tooManyRequests(long botId, Long chatId, long seconds, Instant at, boolean announce) {
        if (announce) {
            pauses.put(botId, new Pause(at, at.plusSeconds(seconds)));
        }
        rateLimitedTotal++;
        if (chatId != null) {
            rateLimitedByChat.merge(chatId, 1L, Long::sum);
        }
        lastRetryAfter = (int) seconds;
        return Reply.error(429, "Too Many Requests: retry after " + seconds,
                json.createObjectNode().put("retry_after", seconds));
    }

    /** Admits a send (recording it) or answers 429. Called under state. */
    private Reply admit(long botId, long chatId, Instant at, String method) {
        Integer forced = forced429.remove(chatId);
        long retry = -1;
        if (forced != null) {
            retry = forced;
        } else {
            List<Instant> lane = laneSends.computeIfAbsent(botId + "/" + chatId, k -> new ArrayList<>());
            List<Instant> bot = botSends.computeIfAbsent(botId, k -> new ArrayList<>());
            retry = Math.max(retry, violation(lane, at, perSecondWindow(perChatPerSecond), permits(perChatPerSecond)));
            retry = Math.max(retry, violation(lane, at, Duration.ofMinutes(1), perChatPerMinute));
            retry = Math.max(retry, violation(bot, at, perSecondWindow(perBotPerSecond), permits(perBotPerSecond)));
            if (retry < 0) {
                insertSorted(lane, at);
                insertSorted(bot, at);
                prune(lane, at);
                prune(bot, at);
                accepted.add(new AcceptedSend(botId, chatId, method, at));
                return null;
            }
        }
        Integer override = retryAfterOverride;
        int seconds = (int) (override != null && forced == null ? override : retry);
        return tooManyRequests(botId, chatId, seconds, at, true);
    }

    /**
     * -1 when adding a send at {@code t} keeps every window of length {@code window - tolerance} that
     * contains it at {@code limit} sends or fewer; otherwise the whole seconds until it would fit (>= 1).
     */
    private long violation(List<Instant> events, Instant t, Duration window, int limit) {
        Duration w = window.minus(tolerance);
        if (w.compareTo(window.dividedBy(2)) < 0) {
            w = window.dividedBy(2);
        }
        List<Instant> near = new ArrayList<>();
        for (Instant e : events) {
            if (e.isAfter(t.minus(w)) && e.isBefore(t.plus(w))) {
                near.add(e);
            }
        }
        near.add(t);
        near.sort(null);
        boolean exceeded = false;
        for (Instant start : near) {
            if (start.isAfter(t) || !t.isBefore(start.plus(w))) {
                continue;
            }
            Instant end = start.plus(w);
            long count = near.stream().filter(e -> !e.isBefore(start) && e.isBefore(end)).count();
            if (count > limit) {
                exceeded = true;
                break;
            }
        }
        if (!exceeded) {
            return -1;
        }
        List<Instant> before = near.stream().filter(e -> e.isBefore(t) || e.equals(t)).toList();
        // t itself is the last of `before`; the send fits once the limit-th most recent earlier send leaves
        int idx = before.size() - 1 - limit;
        if (idx < 0) {
            return 1;
        }
        Duration wait = Duration.between(t, before.get(idx).plus(w));
        long seconds = (wait.toMillis() + 999) / 1000;
        return Math.max(1, seconds);
    }

    private static Duration perSecondWindow(double rate) {
        return rate >= 1 ? Duration.ofSeconds(1) : Duration.ofNanos(Math.round(1e9 / rate));
    }

    private static int permits(double rate) {
        double window = Math.max(1.0, 1.0 / rate);
        return (int) Math.max(1, Math.ceil(window * rate - 1e-9));
    }

    private static void insertSorted(List<Instant> list, Instant t) {
        int i = list.size();
        while (i > 0 && list.get(i - 1).isAfter(t)) {
            i--;
        }
        list.add(i, t);
    }

    private static void prune(List<Instant> list, Instant now) {
        Instant horizon = now.minusSeconds(120);
        while (!list.isEmpty() && list.get(0).isBefore(horizon)) {
            list.remove(0);
        }
    }

    // ---------------------------------------------------------------- model

    private Chat chat(long id) {
        Chat c = chats.get(id);
        if (c == null) {
            throw new IllegalArgumentException("fake: no chat " + id);
        }
        return c;
    }

    private static final class Chat {
        final long id;
        long nextMessageId = 1;
        boolean rejects;
        final Map<Long, Message> messages = new LinkedHashMap<>();
        final TreeSet<Long> pinned = new TreeSet<>();

        Chat(long id) {
            this.id = id;
        }

        /** Like Telegram: the most recent pinned message by sending date. */
        Message pinnedMessage() {
            return pinned.isEmpty() ? null : messages.get(pinned.last());
        }
    }

    private static final class Message {
        final long id;
        final long botId;
        final Instant date;
        final String text;
        final StoredDocument document;

        Message(long id, long botId, Instant date, String text, StoredDocument document) {
            this.id = id;
            this.botId = botId;
            this.date = date;
            this.text = text;
            this.document = document;
        }
    }

    private ObjectNode chatJson(Chat chat) {
        return json.createObjectNode().put("id", chat.id).put("type", "channel").put("title", "fake channel " + chat.id);
    }

    private ObjectNode messageJson(Chat chat, Message m) {
        ObjectNode n = json.createObjectNode();
        n.put("message_id", m.id);
        n.put("date", m.date.getEpochSecond());
        n.set("chat", chatJson(chat));
        if (m.text != null) {
            n.put("text", m.text);
        }
        if (m.document != null) {
            n.set("document", json.createObjectNode()
                    .put("file_name", m.document.fileName())
                    .put("mime_type", "application/octet-stream")
                    .put("file_id", m.document.fileId())
                    .put("file_unique_id", m.document.fileUniqueId())
                    .put("file_size", m.document.size()));
        }
        return n;
    }

    // ---------------------------------------------------------------- parameters

    /** Request parameters from the query string and a JSON, form or multipart body. */
    private static final class Params {
        final Map<String, String> values = new HashMap<>();
        final Map<String, Multipart.Part> files = new HashMap<>();

        String get(String name) {
            return values.get(name);
        }

        long getLong(String name) {
            String v = values.get(name);
            return v == null ? -1 : Long.parseLong(v.trim());
        }

        Long chatIdOrNull() {
            try {
                String v = values.get("chat_id");
                return v == null ? null : Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }

        long chatId() {
            return getLong("chat_id");
        }
    }

    private Params params(HttpExchange ex, byte[] body) throws IOException {
        Params p = new Params();
        String query = ex.getRequestURI().getRawQuery();
        if (query != null) {
            form(query, p.values);
        }
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type == null || body.length == 0) {
            return p;
        }
        String t = type.toLowerCase();
        if (t.startsWith("application/json")) {
            JsonNode n = json.readTree(body);
            for (var e : n.properties()) {
                p.values.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString());
            }
        } else if (t.startsWith("application/x-www-form-urlencoded")) {
            form(new String(body, StandardCharsets.UTF_8), p.values);
        } else if (t.startsWith("multipart/form-data")) {
            for (Multipart.Part part : Multipart.parse(body, Multipart.boundary(type)).values()) {
                if (part.fileName() != null) {
                    p.files.put(part.name(), part);
                } else {
                    p.values.put(part.name(), part.text());
                }
            }
        }
        return p;
    }

    private static void form(String s, Map<String, String> into) {
        for (String pair : s.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            into.put(k, v);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
