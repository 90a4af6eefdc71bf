package io.tgcryptfs.backend.telegram;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The Telegram backend's settings, read once from {@code tgcryptfs.backend.telegram}. Every key is
 * documented in {@code reference.conf}.
 *
 * <p>Tokens are secrets: {@link #toString()} never shows them, and no validation message quotes one.
 *
 * @param apiUrl                    Bot API endpoint without a trailing slash
 * @param botTokens                 one or more bot tokens, {@code <bot id>:<secret>}
 * @param chatIds                   one or more chat ids; the first holds the pinned root record
 * @param perChatMessagesPerSecond  messages one bot may send to one chat per second
 * @param perChatMessagesPerMinute  messages one bot may send to one chat in any 60 seconds
 * @param perBotMessagesPerSecond   messages one bot may send per second across all chats
 * @param maxUploadBytes            largest document put() sends
 * @param maxDownloadBytes          largest document the API lets us download
 * @param requestTimeout            how long one request may take until its reply starts
 * @param failedChatRetryAfter      how long a chat that refused us for good is skipped while others work
 * @param pacingMargin              how much longer than the per-chat limits allow sends are spaced (0.05: 5 %)
 */
public record TelegramSettings(
        URI apiUrl,
        List<String> botTokens,
        List<Long> chatIds,
        double perChatMessagesPerSecond,
        int perChatMessagesPerMinute,
        double perBotMessagesPerSecond,
        long maxUploadBytes,
        long maxDownloadBytes,
        Duration requestTimeout,
        Duration failedChatRetryAfter,
        double pacingMargin) {

    /** Where these settings live in the configuration. */
    public static final String PATH = "tgcryptfs.backend.telegram";
    /** The cloud Bot API's own limits, for warnings. */
    public static final long CLOUD_MAX_UPLOAD_BYTES = 50_000_000L;
    public static final long CLOUD_MAX_DOWNLOAD_BYTES = 20_000_000L;

    private static final Pattern TOKEN = Pattern.compile("[0-9]{1,20}:[A-Za-z0-9_-]{1,200}");

    public TelegramSettings {
        if (apiUrl == null) {
            throw invalid("api-url", "must be set");
        }
        apiUrl = normalize(apiUrl);
        botTokens = List.copyOf(botTokens);
        chatIds = List.copyOf(chatIds);
        if (botTokens.isEmpty()) {
            throw invalid("bot-tokens", "no bot token configured: set bot-tokens = [\"123456:ABC...\"] or"
                    + " bot-token-files = [\"/path/to/token\"]");
        }
        Set<Long> botIds = new HashSet<>();
        for (int i = 0; i < botTokens.size(); i++) {
            String token = botTokens.get(i);
            if (!TOKEN.matcher(token).matches()) {
                throw invalid("bot-tokens", "token #" + i + " does not look like a bot token"
                        + " (expected <digits>:<letters, digits, _ or ->, as @BotFather prints it)");
            }
            if (!botIds.add(botIdOf(token))) {
                throw invalid("bot-tokens", "token #" + i + " belongs to the same bot as an earlier token");
            }
        }
        if (chatIds.isEmpty()) {
            throw invalid("chat-ids", "no chat configured: set chat-ids = [-1001234567890] (the ids of private"
                    + " channels where every bot is an admin)");
        }
        if (new HashSet<>(chatIds).size() != chatIds.size()) {
            throw invalid("chat-ids", "lists a chat twice");
        }
        requirePositive("per-chat-messages-per-second", perChatMessagesPerSecond);
        requirePositive("per-chat-messages-per-minute", perChatMessagesPerMinute);
        requirePositive("per-bot-messages-per-second", perBotMessagesPerSecond);
        requirePositive("max-upload-bytes", maxUploadBytes);
        requirePositive("max-download-bytes", maxDownloadBytes);
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw invalid("request-timeout", "must be positive");
        }
        if (failedChatRetryAfter == null || failedChatRetryAfter.isNegative()) {
            throw invalid("failed-chat-retry-after", "must not be negative");
        }
        if (!(pacingMargin >= 0 && pacingMargin <= 1)) {
            throw invalid("pacing-margin", "must be between 0 and 1 (a fraction: 0.05 spaces sends 5 % wider)");
        }
    }

    /** Settings that pace exactly at the limits (tests and benchmarks that time sends to the limit). */
    public TelegramSettings(URI apiUrl, List<String> botTokens, List<Long> chatIds, double perChatMessagesPerSecond,
                            int perChatMessagesPerMinute, double perBotMessagesPerSecond, long maxUploadBytes,
                            long maxDownloadBytes, Duration requestTimeout, Duration failedChatRetryAfter) {
        this(apiUrl, botTokens, chatIds, perChatMessagesPerSecond, perChatMessagesPerMinute, perBotMessagesPerSecond,
                maxUploadBytes, maxDownloadBytes, requestTimeout, failedChatRetryAfter, 0);
    }

    /**
     * Reads {@code tgcryptfs.backend.telegram} from a resolved root configuration (defaults and their
     * documentation are in reference.conf).
     *
     * @throws IllegalArgumentException with the key's full path when a value is missing or wrong
     */
    public static TelegramSettings from(Config root) {
        Config c;
        try {
            c = root.withFallback(ConfigFactory.defaultReference()).resolve().getConfig(PATH);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        try {
            List<String> tokens = new ArrayList<>(c.getStringList("bot-tokens"));
            for (String file : c.getStringList("bot-token-files")) {
                tokens.add(readTokenFile(file));
            }
            for (int i = 0; i < tokens.size(); i++) {
                tokens.set(i, tokens.get(i).trim());
            }
            URI apiUrl;
            try {
                apiUrl = new URI(c.getString("api-url").trim());
            } catch (URISyntaxException e) {
                throw invalid("api-url", "is not a URL: " + e.getMessage());
            }
            return new TelegramSettings(
                    apiUrl,
                    tokens,
                    c.getLongList("chat-ids"),
                    c.getDouble("per-chat-messages-per-second"),
                    c.getInt("per-chat-messages-per-minute"),
                    c.getDouble("per-bot-messages-per-second"),
                    c.getBytes("max-upload-bytes"),
                    c.getBytes("max-download-bytes"),
                    c.getDuration("request-timeout"),
                    c.getDuration("failed-chat-retry-after"),
                    c.getDouble("pacing-margin"));
        } catch (ConfigException e) {
            // Typesafe's messages name the key and the file it came from; they never echo list values.
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The largest object the store accepts: it must be both uploadable and downloadable. */
    public long maxObjectBytes() {
        return Math.min(maxUploadBytes, maxDownloadBytes);
    }

    /** The numeric bot id in front of token {@code i} (public: it is the bot's user id). */
    public long botId(int i) {
        return botIdOf(botTokens.get(i));
    }

    /** True when {@link #apiUrl} is Telegram's cloud Bot API (and so its 50 MB / 20 MB caps apply). */
    public boolean isCloudApi() {
        return "api.telegram.org".equalsIgnoreCase(apiUrl.getHost());
    }

    /** A copy with other rates (tests and benchmarks). */
    public TelegramSettings withRates(double perChatPerSecond, int perChatPerMinute, double perBotPerSecond) {
        return new TelegramSettings(apiUrl, botTokens, chatIds, perChatPerSecond, perChatPerMinute, perBotPerSecond,
                maxUploadBytes, maxDownloadBytes, requestTimeout, failedChatRetryAfter, pacingMargin);
    }

    /** A copy with other size caps (tests and benchmarks). */
    public TelegramSettings withLimits(long maxUpload, long maxDownload) {
        return new TelegramSettings(apiUrl, botTokens, chatIds, perChatMessagesPerSecond, perChatMessagesPerMinute,
                perBotMessagesPerSecond, maxUpload, maxDownload, requestTimeout, failedChatRetryAfter, pacingMargin);
    }

    /** Never shows a token. */
    @Override
    public String toString() {
        return "TelegramSettings[apiUrl=" + apiUrl
                + ", botTokens=<" + botTokens.size() + " redacted>"
                + ", chatIds=" + chatIds
                + ", perChatMessagesPerSecond=" + perChatMessagesPerSecond
                + ", perChatMessagesPerMinute=" + perChatMessagesPerMinute
                + ", perBotMessagesPerSecond=" + perBotMessagesPerSecond
                + ", maxUploadBytes=" + maxUploadBytes
                + ", maxDownloadBytes=" + maxDownloadBytes
                + ", requestTimeout=" + requestTimeout
                + ", failedChatRetryAfter=" + failedChatRetryAfter
                + ", pacingMargin=" + pacingMargin + "]";
    }

    static long botIdOf(String token) {
        return Long.parseLong(token.substring(0, token.indexOf(':')));
    }

    private static String readTokenFile(String file) {
        Path path = Path.of(file);
        String token;
        try {
            token = Files.readString(path, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw invalid("bot-token-files", "cannot read " + path + ": " + e.getClass().getSimpleName());
        }
        if (!TOKEN.matcher(token).matches()) {
            throw invalid("bot-token-files", path + " does not hold a bot token (expected one line"
                    + " <digits>:<letters, digits, _ or ->, as @BotFather prints it)");
        }
        return token;
    }

    private static URI normalize(URI uri) {
        String s = uri.toString();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        URI result = URI.create(s);
        if (result.getScheme() == null || result.getHost() == null
                || !(result.getScheme().equals("https") || result.getScheme().equals("http"))) {
            throw invalid("api-url", "must be an http(s) URL such as https://api.telegram.org");
        }
        if (result.getRawQuery() != null || result.getRawFragment() != null) {
            throw invalid("api-url", "must not have a query or fragment");
        }
        return result;
    }

    private static void requirePositive(String key, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw invalid(key, "must be a positive number, not " + value);
        }
    }

    private static IllegalArgumentException invalid(String key, String message) {
        return new IllegalArgumentException(PATH + "." + key + ": " + message);
    }
}
