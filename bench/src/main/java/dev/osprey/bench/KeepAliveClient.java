package dev.osprey.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A deliberately minimal HTTP/1.1 client on one keep-alive socket, so the load generator spends as little of the
 * machine's two cores as possible and the measurement is of the server. Not thread-safe: one per client thread.
 */
final class KeepAliveClient implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final String hostHeader;
    /** The body of the first non-200 answer, for the report. */
    String lastError = "";

    KeepAliveClient(String host, int port) throws IOException {
        socket = new Socket(host, port);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 65536);
        hostHeader = host + ":" + port;
    }

    /** POSTs a JSON body and returns the status; the response body is read and dropped. */
    int post(String path, byte[] body) throws IOException {
        return post(path, body, "Content-Type: application/json\r\n");
    }

    /** POSTs a body with the given header lines (each ending in CRLF); returns the status. */
    int post(String path, byte[] body, String headers) throws IOException {
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\n" + headers
                + "Content-Length: " + body.length + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return readResponse();
    }

    private int readResponse() throws IOException {
        String status = line();
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        for (String h = line(); !h.isEmpty(); h = line()) {
            int colon = h.indexOf(':');
            String name = h.substring(0, colon).trim();
            String value = h.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            for (long size = Long.parseLong(line().trim(), 16); size > 0; size = Long.parseLong(line().trim(), 16)) {
                in.skipNBytes(size);
                line();
            }
            line();
        } else if (length > 0) {
            if (code != 200 && lastError.isEmpty()) {
                lastError = new String(in.readNBytes((int) length), StandardCharsets.UTF_8);
            } else {
                in.skipNBytes(length);
            }
        }
        return code;
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
