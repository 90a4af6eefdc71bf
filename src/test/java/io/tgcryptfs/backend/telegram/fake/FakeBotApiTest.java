package io.tgcryptfs.backend.telegram.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import io.tgcryptfs.testing.ManualClock;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fake answers like Telegram does, byte for byte where clients look. */
class FakeBotApiTest {
    private static final String TOKEN = "424242:AAFakeSecret-for-the-fake-itself";
    private static final long CHAT = -100777L;
    private static final long OTHER_CHAT = -100778L;
    private static final String OTHER_TOKEN = "434343:AAFakeSecret-for-the-fakes-other-bot";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ObjectMapper json = new ObjectMapper();
    private FakeBotApi fake;

    @AfterEach
    void close() throws Exception {
        if (fake != null) {
            fake.close();
        }
    }

    private HttpResponse<String> post(String path, String contentType, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(fake.apiUrl() + path))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> sendMessage(String text) throws Exception {
        return post("/bot" + TOKEN + "/sendMessage", "application/x-www-form-urlencoded",
                "chat_id=" + CHAT + "&text=" + text);
    }

    @Test
    void aSecondSendWithinASecond_isAnswered429WithRetryAfter() throws Exception {
        fake = FakeBotApi.builder().bot(TOKEN).chat(CHAT).start();
        assertEquals(200, sendMessage("one").statusCode());
        HttpResponse<String> r = sendMessage("two");
        assertEquals(429, r.statusCode());
        JsonNode n = json.readTree(r.body());
        assertFalse(n.get("ok").asBoolean());
        assertEquals(429, n.get("error_code").asInt());
        assertEquals(1, n.get("parameters").get("retry_after").asInt());
        assertEquals("Too Many Requests: retry after 1", n.get("description").asText());
        assertEquals(1, fake.rateLimited(CHAT));
        assertEquals(1, fake.acceptedSendTimes(CHAT).size());
        assertEquals(2, fake.requests("sendMessage"));
    }

    @Test
    void anUnknownToken_isUnauthorized_andAnUnknownChatIsNotFound() throws Exception {
        fake = FakeBotApi.builder().bot(TOKEN).chat(CHAT).start();
        HttpResponse<String> r = post("/bot1:nope/getMe", "application/json", "{}");
        assertEquals(401, r.statusCode());
        r = post("/bot" + TOKEN + "/sendMessage", "application/json", "{\"chat_id\":-5,\"text\":\"x\"}");
        assertEquals(400, r.statusCode());
        assertEquals("Bad Request: chat not found", json.readTree(r.body()).get("description").asText());
        r = post("/bot" + TOKEN + "/getUpdates", "application/json", "{}");
        assertEquals(404, r.statusCode());
    }

    @Test
    void aMultipartDocument_isStored_andCanBeFetchedThroughGetFile() throws Exception {
        fake = FakeBotApi.builder().bot(TOKEN).chat(CHAT).start();
        String boundary = "XyZ";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n" + CHAT
                + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\nhello\r\n--there\r\n--" + boundary + "--\r\n";
        HttpResponse<String> r = post("/bot" + TOKEN + "/sendDocument", "multipart/form-data; boundary=" + boundary, body);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode doc = json.readTree(r.body()).get("result").get("document");
        assertEquals("a.bin", doc.get("file_name").asText());
        assertEquals(14, doc.get("file_size").asInt());
        r = post("/bot" + TOKEN + "/getFile", "application/json",
                "{\"file_id\":\"" + doc.get("file_id").asText() + "\"}");
        String path = json.readTree(r.body()).get("result").get("file_path").asText();
        HttpResponse<byte[]> file = http.send(HttpRequest.newBuilder(URI.create(fake.apiUrl() + "/file/bot" + TOKEN
                + "/" + path)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals("hello\r\n--there", new String(file.body(), StandardCharsets.UTF_8));
        assertEquals(1L, fake.documentCountsByName().get("a.bin"));
    }

    @Test
    void aChatCanBeMadeToRejectTheBot_andToAcceptItAgain() throws Exception {
        fake = FakeBotApi.builder().bot(TOKEN).chat(CHAT).start();
        fake.setRejectsBot(CHAT, true);
        HttpResponse<String> r = sendMessage("x");
        assertEquals(403, r.statusCode());
        assertEquals("Forbidden: bot is not a member of the channel chat",
                json.readTree(r.body()).get("description").asText());
        fake.setRejectsBot(CHAT, false);
        assertEquals(200, sendMessage("x").statusCode());
    }

    @Test
    void lostResponses_storeTheDocumentAnyway_likeARealNetworkCanCause() throws Exception {
        fake = FakeBotApi.builder().bot(TOKEN).chat(CHAT).unlimited().start();
        fake.setLostResponseRate(1.0);
        try {
            sendMessage("x");
        } catch (java.io.IOException expected) {
            // the connection closed without a reply
        }
        assertEquals(1, fake.messageCount(CHAT));
    }

    @Test
    void thePerMinuteLimit_holdsAcrossBursts() throws Exception {
        fake = FakeBotApi.builder().bot(TOKEN).chat(CHAT).perChatPerSecond(1000).perChatPerMinute(3).start();
        for (int i = 0; i < 3; i++) {
            assertEquals(200, sendMessage("m" + i).statusCode());
        }
        HttpResponse<String> r = sendMessage("m4");
        assertEquals(429, r.statusCode());
        int retry = json.readTree(r.body()).get("parameters").get("retry_after").asInt();
        assertTrue(retry >= 59 && retry <= 60, "retry_after " + retry);
    }

    private HttpResponse<String> call(String token, String method, String json) throws Exception {
        return post("/bot" + token + "/" + method, "application/json", json);
    }

    private long sent(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return json.readTree(r.body()).get("result").get("message_id").asLong();
    }

    /** {@code {"chat_id":CHAT,"message_id":id}}. */
    private static String message(long id) {
        return "{\"chat_id\":" + CHAT + ",\"message_id\":" + id + "}";
    }

    private String description(HttpResponse<String> r) throws Exception {
        return json.readTree(r.body()).get("description").asText();
    }

    private JsonNode pinned() throws Exception {
        return json.readTree(call(TOKEN, "getChat", "{\"chat_id\":" + CHAT + "}").body()).get("result")
                .get("pinned_message");
    }

    @Test
    void deletingThePinnedMessage_unpinsIt_andGetChatShowsThePinnedOneBefore() throws Exception {
        fake = FakeBotApi.builder().bot(TOKEN).chat(CHAT).unlimited().start();
        long first = sent(sendMessage("first"));
        long second = sent(sendMessage("second"));
        for (long id : List.of(first, second)) {
            assertEquals(200, call(TOKEN, "pinChatMessage", message(id)).statusCode());
        }
        assertEquals("second", pinned().get("text").asText());

        assertEquals(200, call(TOKEN, "deleteMessage", message(second)).statusCode());
        assertEquals(first, pinned().get("message_id").asLong());
        assertEquals(List.of("first"), fake.textMessages(CHAT));
        HttpResponse<String> again = call(TOKEN, "deleteMessage", message(second));
        assertEquals("Bad Request: message to delete not found", description(again));
        HttpResponse<String> pin = call(TOKEN, "pinChatMessage", message(second));
        assertEquals("Bad Request: message to pin not found", description(pin));

        call(TOKEN, "deleteMessage", message(first));
        assertTrue(pinned() == null, "nothing pinned is left");
        assertEquals(0, fake.messageCount(CHAT));
    }

    @Test
    void messagesAndDocuments_areCountedPerChat() throws Exception {
        fake = FakeBotApi.builder().bot(TOKEN).chat(CHAT).chat(OTHER_CHAT).unlimited().start();
        sendMessage("text");
        String boundary = "b0undary";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n" + CHAT
                + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"document\"; filename=\"d\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\nxyz\r\n--" + boundary + "--\r\n";
        assertEquals(200, post("/bot" + TOKEN + "/sendDocument", "multipart/form-data; boundary=" + boundary, body)
                .statusCode());
        assertEquals(2, fake.messageCount(CHAT));
        assertEquals(1, fake.documentCount(CHAT));
        assertEquals(List.of("text"), fake.textMessages(CHAT));
        assertEquals(0, fake.messageCount(OTHER_CHAT));
        assertEquals(0, fake.documentCount(OTHER_CHAT));
    }

    @Test
    void failNext_answersTheNextCallsOfAMethod429_andEachPausesItsBotOnEveryChat() throws Exception {
        ManualClock clock = new ManualClock();
        fake = FakeBotApi.builder().bot(TOKEN).bot(OTHER_TOKEN).chat(CHAT).chat(OTHER_CHAT).unlimited().clock(clock)
                .pauseGrace(Duration.ZERO).start();
        fake.failNext("pinChatMessage", 2, 3);
        long id = sent(sendMessage("root"));
        String pin = message(id);

        HttpResponse<String> r = call(TOKEN, "pinChatMessage", pin);
        assertEquals(429, r.statusCode());
        assertEquals(3, json.readTree(r.body()).get("parameters").get("retry_after").asInt());
        assertEquals(0, fake.pauseViolations());

        // the same bot, another chat and another method, during the pause: refused, and a violation
        clock.advance(Duration.ofSeconds(1));
        r = call(TOKEN, "getChat", "{\"chat_id\":" + OTHER_CHAT + "}");
        assertEquals(429, r.statusCode());
        assertEquals(2, json.readTree(r.body()).get("parameters").get("retry_after").asInt(), "the seconds left");
        assertEquals(1, fake.pauseViolations());
        // another bot is not paused
        assertEquals(200, call(OTHER_TOKEN, "getChat", "{\"chat_id\":" + OTHER_CHAT + "}").statusCode());

        clock.advance(Duration.ofSeconds(2));
        assertEquals(429, call(TOKEN, "pinChatMessage", pin).statusCode(), "the second of the two failures");
        clock.advance(Duration.ofSeconds(3));
        assertEquals(200, call(TOKEN, "pinChatMessage", pin).statusCode(), "then the method works again");
        assertEquals(1, fake.pauseViolations());
        assertEquals(1, fake.pauseRefusals());
        assertEquals(3, fake.rateLimitedTotal());
        assertEquals(List.of(200, 429, 429, 200, 429, 200), fake.requestLog().stream().map(FakeBotApi.Request::status)
                .toList());
    }

    @Test
    void aRequestInFlightWhenThe429WentOut_isRefusedButNotCountedAsAViolation() throws Exception {
        ManualClock clock = new ManualClock();
        fake = FakeBotApi.builder().bot(TOKEN).chat(CHAT).unlimited().clock(clock).start(); // grace 100 ms
        fake.failNext("sendMessage", 1, 2);
        assertEquals(429, sendMessage("a").statusCode());
        clock.advance(Duration.ofMillis(50));
        assertEquals(429, sendMessage("b").statusCode());
        assertEquals(0, fake.pauseViolations());
        clock.advance(Duration.ofMillis(50));
        assertEquals(429, sendMessage("c").statusCode());
        assertEquals(1, fake.pauseViolations());
        assertEquals(2, fake.pauseRefusals());
        assertEquals(0, fake.messageCount(CHAT), "nothing refused was stored");
    }

    @Test
    void theRateLimits429_pauseTheBotToo() throws Exception {
        ManualClock clock = new ManualClock();
        fake = FakeBotApi.builder().bot(TOKEN).chat(CHAT).chat(OTHER_CHAT).clock(clock).pauseGrace(Duration.ZERO)
                .start();
        assertEquals(200, sendMessage("one").statusCode());
        assertEquals(429, sendMessage("two").statusCode(), "1 per second per chat");
        HttpResponse<String> r = call(TOKEN, "sendMessage", "{\"chat_id\":" + OTHER_CHAT + ",\"text\":\"x\"}");
        assertEquals(429, r.statusCode(), "the other chat waits for the announced pause too");
        assertEquals(1, fake.pauseViolations());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(200, call(TOKEN, "sendMessage", "{\"chat_id\":" + OTHER_CHAT + ",\"text\":\"x\"}").statusCode());
    }

    @Test
    void withADeleteAgeLimit_oldMessagesCannotBeDeleted() throws Exception {
        ManualClock clock = new ManualClock();
        fake = FakeBotApi.builder().bot(TOKEN).chat(CHAT).unlimited().clock(clock)
                .deleteAgeLimit(Duration.ofHours(48)).start();
        long old = sent(sendMessage("old"));
        clock.advance(Duration.ofHours(48));
        long fresh = sent(sendMessage("fresh"));
        HttpResponse<String> r = call(TOKEN, "deleteMessage", message(old));
        assertEquals(400, r.statusCode());
        assertEquals("Bad Request: message can't be deleted", description(r));
        assertEquals(200, call(TOKEN, "deleteMessage", message(fresh)).statusCode());
        assertEquals(List.of("old"), fake.textMessages(CHAT));
    }
}
