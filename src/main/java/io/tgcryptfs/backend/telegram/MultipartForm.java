package io.tgcryptfs.backend.telegram;

import java.io.FileNotFoundException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A multipart/form-data body of text fields and then one file, streamed from disk rather than held in memory. */
final class MultipartForm {
    /** Fixed tail of every multipart boundary; uploads are ciphertext, so a clash is not a concern. */
    private static final String BOUNDARY_TAIL = "7f3c9a1e5b2d4c6e8a0f1b3d5e7c9a2b";

    private final String boundary;
    private final StringBuilder head = new StringBuilder();

    /**
     * @param sequence distinguishes this form's boundary from the client's other forms
     */
    MultipartForm(long sequence) {
        this.boundary = "tgcryptfs-" + Long.toHexString(sequence) + "-" + BOUNDARY_TAIL;
    }

    MultipartForm field(String name, String value) {
        head.append("--").append(boundary).append("\r\n")
                .append("Content-Disposition: form-data; name=\"").append(name).append("\"\r\n\r\n")
                .append(value).append("\r\n");
        return this;
    }

    /** The value of the request's {@code Content-Type} header. */
    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    /** The fields, then {@code file} as the part {@code name} with the file name {@code fileName}; ends the form. */
    HttpRequest.BodyPublisher withFile(String name, String fileName, Path file) throws FileNotFoundException {
        head.append("--").append(boundary).append("\r\n")
                .append("Content-Disposition: form-data; name=\"").append(name).append("\"; filename=\"")
                .append(headerSafe(fileName)).append("\"\r\n")
                .append("Content-Type: application/octet-stream\r\n\r\n");
        String tail = "\r\n--" + boundary + "--\r\n";
        return HttpRequest.BodyPublishers.concat(
                HttpRequest.BodyPublishers.ofByteArray(head.toString().getBytes(StandardCharsets.UTF_8)),
                HttpRequest.BodyPublishers.ofFile(file),
                HttpRequest.BodyPublishers.ofByteArray(tail.getBytes(StandardCharsets.UTF_8)));
    }

    private static String headerSafe(String name) {
        return name.replaceAll("[\"\\\\\r\n]", "_");
    }
}
