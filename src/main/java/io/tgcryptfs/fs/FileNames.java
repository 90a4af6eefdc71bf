package io.tgcryptfs.fs;

/**
 * File names as bytes and as Java strings, one to one. A Linux name is any bytes but '/' and NUL, and
 * need not be UTF-8 (a Latin-1 archive, a name from Windows): decoding with a charset replaced what was
 * not UTF-8 (two such names became one, and the second create overwrote the first) and, under a C
 * locale, every non-ASCII byte. Here valid UTF-8 decodes as itself, so names stored before read the
 * same, and each byte of an invalid sequence becomes the lone surrogate U+DC80-U+DCFF, which no valid
 * text holds, and encodes back to that byte (Python's "surrogateescape").
 */
public final class FileNames {
    private static final int ESCAPE = 0xDC00;

    private FileNames() {
    }

    public static String decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    public static String decode(byte[] bytes, int offset, int length) {
        int end = offset + length;
        boolean ascii = true;
        for (int i = offset; i < end && ascii; i++) {
            ascii = bytes[i] >= 0;
        }
        if (ascii) {
            return new String(bytes, offset, length, java.nio.charset.StandardCharsets.US_ASCII);
        }
        StringBuilder out = new StringBuilder(length);
        int i = offset;
        while (i < end) {
            int n = sequenceLength(bytes, i, end);
            if (n == 0) {
                out.append((char) (ESCAPE | (bytes[i] & 0xff)));
                i++;
            } else {
                out.appendCodePoint(codePoint(bytes, i, n));
                i += n;
            }
        }
        return out.toString();
    }

    /** The length of the valid UTF-8 sequence at {@code i}, or 0 when the byte there starts none. */
    private static int sequenceLength(byte[] b, int i, int end) {
        int lead = b[i] & 0xff;
        if (lead < 0x80) {
            return 1;
        }
        int n;
        int min;
        if (lead >= 0xc2 && lead <= 0xdf) {
            n = 2;
            min = 0x80;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            n = 3;
            min = 0x800;
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            n = 4;
            min = 0x10000;
        } else {
            return 0;
        }
        if (i + n > end) {
            return 0;
        }
        for (int k = 1; k < n; k++) {
            if ((b[i + k] & 0xc0) != 0x80) {
                return 0;
            }
        }
        int cp = codePoint(b, i, n);
        boolean surrogate = cp >= 0xd800 && cp <= 0xdfff;
        return cp < min || cp > 0x10ffff || surrogate ? 0 : n;
    }

    private static int codePoint(byte[] b, int i, int n) {
        if (n == 1) {
            return b[i];
        }
        int cp = b[i] & (0xff >> (n + 1));
        for (int k = 1; k < n; k++) {
            cp = (cp << 6) | (b[i + k] & 0x3f);
        }
        return cp;
    }

    /** The bytes of a name {@link #decode} gave, or of any valid text. */
    public static byte[] encode(String name) {
        int len = name.length();
        boolean ascii = true;
        for (int i = 0; i < len && ascii; i++) {
            ascii = name.charAt(i) < 0x80;
        }
        if (ascii) {
            return name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(len + 8);
        for (int i = 0; i < len; i++) {
            char c = name.charAt(i);
            if (c >= 0xdc80 && c <= 0xdcff) {
                out.write(c & 0xff); // an escaped byte (a lone low surrogate: a pair's would follow a high one)
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(name.charAt(i + 1))) {
                utf8(out, Character.toCodePoint(c, name.charAt(++i)));
            } else if (Character.isSurrogate(c)) {
                throw new FsException(FsError.INVALID, "a name holds a lone surrogate U+" + Integer.toHexString(c));
            } else {
                utf8(out, c);
            }
        }
        return out.toByteArray();
    }

    private static void utf8(java.io.ByteArrayOutputStream out, int cp) {
        if (cp < 0x80) {
            out.write(cp);
        } else if (cp < 0x800) {
            out.write(0xc0 | cp >> 6);
            out.write(0x80 | cp & 0x3f);
        } else if (cp < 0x10000) {
            out.write(0xe0 | cp >> 12);
            out.write(0x80 | cp >> 6 & 0x3f);
            out.write(0x80 | cp & 0x3f);
        } else {
            out.write(0xf0 | cp >> 18);
            out.write(0x80 | cp >> 12 & 0x3f);
            out.write(0x80 | cp >> 6 & 0x3f);
            out.write(0x80 | cp & 0x3f);
        }
    }
}
