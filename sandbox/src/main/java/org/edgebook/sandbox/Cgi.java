package org.edgebook.sandbox;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Reads a WAGI guest's stdout: CGI header lines ({@code Status}, {@code Content-Type}), an empty line, the body. */
final class Cgi {
    private Cgi() {
    }

    static GuestResult parse(final byte[] out, final int size) throws GuestFailure {
        int status = 200;
        String contentType = "application/json";
        int p = 0;
        while (true) {
            int eol = p;
            while (eol < size && out[eol] != '\n') {
                eol++;
            }
            if (eol == size) {
                throw new GuestFailure(GuestFailure.Kind.BAD_ANSWER,
                        "the guest's output has no CGI header block (header lines, then an empty line)");
            }
            final int lineEnd = eol > p && out[eol - 1] == '\r' ? eol - 1 : eol;
            if (lineEnd == p) {
                p = eol + 1;
                break;
            }
            final String line = new String(out, p, lineEnd - p, StandardCharsets.ISO_8859_1);
            final int colon = line.indexOf(':');
            if (colon < 0) {
                throw new GuestFailure(GuestFailure.Kind.BAD_ANSWER, "bad CGI header line: " + abbreviate(line));
            }
            final String field = line.substring(0, colon).trim();
            final String value = line.substring(colon + 1).trim();
            if (!printable(field) || !printable(value)) {
                throw new GuestFailure(GuestFailure.Kind.BAD_ANSWER, "CGI header with control characters");
            }
            if (field.equalsIgnoreCase("Status")) {
                status = statusCode(value);
            } else if (field.equalsIgnoreCase("Content-Type")) {
                contentType = value;
            }
            p = eol + 1;
        }
        return new GuestResult(status, contentType, Arrays.copyOfRange(out, p, size));
    }

    private static int statusCode(final String value) throws GuestFailure {
        final int space = value.indexOf(' ');
        final String digits = space < 0 ? value : value.substring(0, space);
        try {
            final int code = Integer.parseInt(digits);
            if (code >= 200 && code <= 599) {
                return code;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new GuestFailure(GuestFailure.Kind.BAD_ANSWER, "bad CGI Status: " + abbreviate(value));
    }

    private static boolean printable(final String text) {
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(final String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }
}
