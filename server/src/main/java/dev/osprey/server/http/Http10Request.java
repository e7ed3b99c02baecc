package dev.osprey.server.http;

import io.helidon.common.buffers.DataReader;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads the head of a connection's first request and, when it is HTTP/1.0, gives it back as the HTTP/1.1 head
 * Helidon serves: the same request line with version 1.1, {@code Connection: close} in place of the client's
 * {@code Connection} header (HTTP/1.0 connections are not kept; the client must see the end of an answer without
 * chunked framing by the connection closing), and a {@code Host} (HTTP/1.1 requires one; HTTP/1.0 clients may omit
 * it) naming the address the request came in on.
 */
final class Http10Request {
    private static final byte[] CRLF = {'\r', '\n'};

    private Http10Request() {}

    /**
     * The rewritten head, consumed from {@code in}; or empty, consuming nothing, when the request is not HTTP/1.0.
     * A head that is too long or malformed is rewritten only up to that point: the rest follows unchanged for
     * Helidon to refuse with its usual answer.
     */
    static Optional<byte[]> readHead(DataReader in, ConnectionGuard guard, int maxPrologue, int maxHeaders,
            String localHost) {
        guard.beforeRead();
        try {
            int eol;
            try {
                eol = in.findNewLine(maxPrologue);
            } catch (DataReader.IncorrectNewLineException e) {
                return Optional.empty(); // Helidon refuses a bare CR or LF itself
            }
            if (eol >= maxPrologue) {
                return Optional.empty();
            }
            String line = new String(in.getBuffer(eol).readBytes(), StandardCharsets.ISO_8859_1);
            if (!line.endsWith(" HTTP/1.0")) {
                return Optional.empty();
            }
            in.skip(eol + 2);
            ByteArrayOutputStream head = new ByteArrayOutputStream(512);
            head.writeBytes((line.substring(0, line.length() - "1.0".length()) + "1.1\r\nConnection: close\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            boolean host = false;
            int budget = maxHeaders;
            while (true) {
                int end;
                try {
                    end = in.findNewLine(budget);
                } catch (DataReader.IncorrectNewLineException e) {
                    end = budget;
                }
                if (end >= budget) {
                    return Optional.of(head.toByteArray());
                }
                if (end == 0) {
                    in.skip(2);
                    if (!host) {
                        head.writeBytes(("Host: " + localHost + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    }
                    head.writeBytes(CRLF);
                    return Optional.of(head.toByteArray());
                }
                byte[] field = in.readBytes(end);
                in.skip(2);
                budget -= end + 2;
                String name = fieldName(field);
                if (!name.equals("connection")) {
                    host |= name.equals("host");
                    head.writeBytes(field);
                    head.writeBytes(CRLF);
                }
            }
        } finally {
            guard.afterRead(in.available());
        }
    }

    private static String fieldName(byte[] field) {
        int colon = 0;
        while (colon < field.length && field[colon] != ':') {
            colon++;
        }
        return new String(field, 0, colon, StandardCharsets.ISO_8859_1).trim().toLowerCase(Locale.ROOT);
    }
}
