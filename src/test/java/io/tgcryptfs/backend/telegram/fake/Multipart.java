package io.tgcryptfs.backend.telegram.fake;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A small multipart/form-data parser for the fake server: whole body in memory, parts by name. */
final class Multipart {
    private static final Pattern NAME = Pattern.compile("(?i)\\bname=\"([^\"]*)\"");
    private static final Pattern FILENAME = Pattern.compile("(?i)\\bfilename=\"([^\"]*)\"");
    private static final Pattern BOUNDARY = Pattern.compile("(?i)boundary=\"?([^\";]+)\"?");

    /** One part; {@code fileName} is null for plain fields. */
    record Part(String name, String fileName, byte[] data) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private Multipart() {
    }

    static String boundary(String contentType) {
        Matcher m = BOUNDARY.matcher(contentType);
        if (!m.find()) {
            throw new IllegalArgumentException("no boundary in " + contentType);
        }
        return m.group(1);
    }

    static Map<String, Part> parse(byte[] body, String boundary) {
        byte[] first = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
        byte[] delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.US_ASCII);
        byte[] headerEnd = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        Map<String, Part> parts = new LinkedHashMap<>();
        int pos = indexOf(body, first, 0);
        if (pos < 0) {
            throw new IllegalArgumentException("multipart body without its boundary");
        }
        pos += first.length;
        while (true) {
            if (pos + 2 <= body.length && body[pos] == '-' && body[pos + 1] == '-') {
                return parts;
            }
            pos += 2; // CRLF after the boundary
            int headersEnd = indexOf(body, headerEnd, pos);
            if (headersEnd < 0) {
                throw new IllegalArgumentException("truncated multipart headers");
            }
            String headers = new String(body, pos, headersEnd - pos, StandardCharsets.UTF_8);
            int start = headersEnd + headerEnd.length;
            int end = indexOf(body, delimiter, start);
            if (end < 0) {
                throw new IllegalArgumentException("truncated multipart body");
            }
            Matcher name = NAME.matcher(headers);
            Matcher fileName = FILENAME.matcher(headers);
            if (name.find()) {
                parts.put(name.group(1), new Part(name.group(1), fileName.find() ? fileName.group(1) : null,
                        Arrays.copyOfRange(body, start, end)));
            }
            pos = end + delimiter.length;
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        byte first = needle[0];
        int last = haystack.length - needle.length;
        outer:
        for (int i = Math.max(0, from); i <= last; i++) {
            if (haystack[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
