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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fake answers like Telegram does, byte for byte where clients look. */
class FakeBotApiTest {
    private static final String TOKEN = "424242:AAFakeSecret-for-the-fake-itself";
    private static final long CHAT = -100777L;

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
}
