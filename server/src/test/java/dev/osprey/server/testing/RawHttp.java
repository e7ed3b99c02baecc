package dev.osprey.server.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * HTTP/1.1 written byte for byte on a socket, so no client library normalises the path, the Host header or the
 * body framing first (hostile-input tests). Reads one response: headers, then Content-Length bytes, or whatever
 * arrives before the server closes or goes quiet.
 */
public final class RawHttp {
    /** One answer: status code, headers (lower-case names, last value wins) and body as ISO-8859-1 text. */
    public record Response(int status, Map<String, String> headers, String body) {
        public Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
        }

        /** The whole answer, for assertion messages. */
        @Override
        public String toString() {
            return status + " " + headers + "\n" + body;
        }
    }

    private RawHttp() {}

    /** A request with the usual headers: Host 127.0.0.1, an empty body, Connection: close; plus {@code extra}. */
    public static Response send(int port, String method, String target, String... extraHeaderLines)
            throws IOException {
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\n");
        boolean hasHost = false;
        for (String line : extraHeaderLines) {
            hasHost |= line.toLowerCase(Locale.ROOT).startsWith("host:");
            head.append(line).append("\r\n");
        }
        if (!hasHost) {
            head.append("Host: 127.0.0.1:").append(port).append("\r\n");
        }
        head.append("Content-Length: 0\r\nConnection: close\r\n\r\n");
        return exchange(port, head.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /** An answer's status line and headers up to the blank line (or what came before the stream ended). */
    public static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            head.append((char) c);
        }
        return head.toString();
    }

    /** Sends exactly these bytes and reads one response. */
    public static Response exchange(int port, byte[] request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            String[] lines = head.split("\r\n");
            if (lines.length == 0 || !lines[0].startsWith("HTTP/")) {
                return new Response(-1, Map.of(), head); // closed without an answer
            }
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            lines[i].substring(colon + 1).trim());
                }
            }
            String body;
            if (headers.containsKey("content-length")) {
                body = new String(in.readNBytes(Integer.parseInt(headers.get("content-length"))),
                        StandardCharsets.ISO_8859_1);
            } else {
                StringBuilder rest = new StringBuilder();
                try {
                    rest.append(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
                } catch (SocketTimeoutException e) {
                    // a chunked body the server left open; what arrived is enough to check
                }
                body = rest.toString();
            }
            return new Response(status, headers, body);
        }
    }
}
