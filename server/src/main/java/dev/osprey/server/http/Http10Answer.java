package dev.osprey.server.http;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * An answer to an HTTP/1.0 request as such a client can read it. Helidon frames answers of unknown length with
 * chunked transfer coding, which HTTP/1.0 does not have; here the {@code Transfer-Encoding: chunked} field is
 * dropped and the chunks are unwrapped, so the body ends where the connection does (the request was rewritten to
 * {@code Connection: close}, so the connection ends after this answer). Answers with a {@code Content-Length} pass
 * unchanged.
 */
final class Http10Answer implements DataWriter {
    private enum State { HEAD, PLAIN, SIZE, DATA, DATA_END, TRAILER, DONE }

    private final DataWriter socket;
    private State state = State.HEAD;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private long remaining;
    private int skip;
    private final ByteArrayOutputStream head = new ByteArrayOutputStream(512);
    private boolean chunked;
    private boolean interim;

    Http10Answer(DataWriter socket) {
        this.socket = socket;
    }

    @Override
    public void write(BufferData... buffers) {
        for (BufferData buffer : buffers) {
            write(buffer);
        }
    }

    @Override
    public void write(BufferData buffer) {
        byte[] out = translate(buffer.readBytes());
        if (out.length > 0) {
            socket.write(BufferData.create(out));
        }
    }

    @Override
    public void writeNow(BufferData... buffers) {
        for (BufferData buffer : buffers) {
            writeNow(buffer);
        }
    }

    @Override
    public void writeNow(BufferData buffer) {
        byte[] out = translate(buffer.readBytes());
        if (out.length > 0) {
            socket.writeNow(BufferData.create(out));
        }
    }

    @Override
    public void flush() {
        socket.flush();
    }

    @Override
    public void close() {
        socket.close();
    }

    /** The bytes to send for these bytes of Helidon's HTTP/1.1 answer. */
    byte[] translate(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        int i = 0;
        while (i < in.length) {
            switch (state) {
                case PLAIN -> {
                    out.write(in, i, in.length - i);
                    i = in.length;
                }
                case DATA -> {
                    int n = (int) Math.min(remaining, in.length - i);
                    out.write(in, i, n);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.DATA_END;
                        skip = 2;
                    }
                }
                case DATA_END -> {
                    int n = Math.min(skip, in.length - i);
                    i += n;
                    skip -= n;
                    if (skip == 0) {
                        state = State.SIZE;
                    }
                }
                case DONE -> i = in.length;
                default -> { // HEAD, SIZE, TRAILER: line by line
                    byte b = in[i++];
                    line.write(b);
                    if (b == '\n') {
                        endOfLine(out);
                    }
                }
            }
        }
        return out.toByteArray();
    }

    private void endOfLine(ByteArrayOutputStream out) {
        byte[] bytes = line.toByteArray();
        line.reset();
        String text = new String(bytes, StandardCharsets.ISO_8859_1).trim();
        switch (state) {
            case HEAD -> {
                if (head.size() == 0) { // the status line; 1xx answers precede the real one
                    interim = text.matches("HTTP/\\d\\.\\d 1\\d\\d.*");
                }
                if (text.isEmpty()) {
                    head.writeBytes(bytes);
                    out.writeBytes(head.toByteArray());
                    head.reset();
                    if (!interim) {
                        state = chunked ? State.SIZE : State.PLAIN;
                    }
                } else if (isChunkedCoding(text)) {
                    chunked = true;
                } else {
                    head.writeBytes(bytes);
                }
            }
            case SIZE -> {
                int semicolon = text.indexOf(';');
                remaining = Long.parseLong((semicolon < 0 ? text : text.substring(0, semicolon)).trim(), 16);
                state = remaining == 0 ? State.TRAILER : State.DATA;
            }
            case TRAILER -> {
                if (text.isEmpty()) {
                    state = State.DONE;
                }
            }
            default -> throw new IllegalStateException("no line expected in " + state);
        }
    }

    private static boolean isChunkedCoding(String field) {
        String lower = field.toLowerCase(Locale.ROOT);
        return lower.startsWith("transfer-encoding:") && lower.contains("chunked");
    }
}
