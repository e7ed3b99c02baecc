package dev.osprey.gateway.provider.internal;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Internal to the gateway's provider adapters: not API, may change without notice.
 *
 * AWS's binary event-stream framing ({@code application/vnd.amazon.eventstream}), as Bedrock's ConverseStream sends
 * it: each message is total length, headers length, prelude CRC, headers, payload, message CRC. Both CRCs are
 * checked; a corrupt frame ends the stream with an error instead of being half-read.
 */
public final class AwsEventStream {
    private static final int MAX_MESSAGE = 16 * 1024 * 1024;

    private AwsEventStream() {}

    /** One message: its string headers ({@code :event-type}, {@code :message-type}, ...) and payload. */
    public record Message(Map<String, String> headers, byte[] payload) {
        public String header(String name) {
            return headers.getOrDefault(name, "");
        }
    }

    /** The next message, or null at a clean end of stream. */
    public static Message read(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        byte[] prelude = new byte[12];
        int first = in.read();
        if (first < 0) {
            return null;
        }
        prelude[0] = (byte) first;
        in.readFully(prelude, 1, 11);
        ByteBuffer p = ByteBuffer.wrap(prelude);
        int total = p.getInt();
        int headersLength = p.getInt();
        int preludeCrc = p.getInt();
        if (crc(prelude, 0, 8) != preludeCrc || total < 16 || total > MAX_MESSAGE || headersLength < 0
                || headersLength > total - 16) {
            throw new IOException("Corrupt event-stream prelude");
        }
        byte[] rest = new byte[total - 12];
        try {
            in.readFully(rest);
        } catch (EOFException e) {
            throw new IOException("Event stream cut inside a message");
        }
        CRC32 all = new CRC32();
        all.update(prelude);
        all.update(rest, 0, rest.length - 4);
        int messageCrc = ByteBuffer.wrap(rest, rest.length - 4, 4).getInt();
        if ((int) all.getValue() != messageCrc) {
            throw new IOException("Corrupt event-stream message (CRC mismatch)");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        ByteBuffer h = ByteBuffer.wrap(rest, 0, headersLength);
        while (h.hasRemaining()) {
            byte[] name = new byte[h.get() & 0xff];
            h.get(name);
            int type = h.get();
            String value = switch (type) {
                case 0 -> "true";
                case 1 -> "false";
                case 2 -> Byte.toString(h.get());
                case 3 -> Short.toString(h.getShort());
                case 4 -> Integer.toString(h.getInt());
                case 5, 8 -> Long.toString(h.getLong());
                case 6, 7 -> {
                    byte[] v = new byte[h.getShort() & 0xffff];
                    h.get(v);
                    yield new String(v, StandardCharsets.UTF_8);
                }
                case 9 -> {
                    h.position(h.position() + 16);
                    yield "";
                }
                default -> throw new IOException("Unknown event-stream header type " + type);
            };
            headers.put(new String(name, StandardCharsets.UTF_8), value);
        }
        byte[] payload = new byte[rest.length - headersLength - 4];
        System.arraycopy(rest, headersLength, payload, 0, payload.length);
        return new Message(headers, payload);
    }

    /** One message with string headers, framed (used by tests and mocks). */
    public static byte[] frame(Map<String, String> headers, byte[] payload) {
        ByteBuffer h = ByteBuffer.allocate(4096);
        headers.forEach((k, v) -> {
            byte[] name = k.getBytes(StandardCharsets.UTF_8);
            byte[] value = v.getBytes(StandardCharsets.UTF_8);
            h.put((byte) name.length).put(name).put((byte) 7).putShort((short) value.length).put(value);
        });
        int headersLength = h.position();
        int total = 12 + headersLength + payload.length + 4;
        ByteBuffer out = ByteBuffer.allocate(total);
        out.putInt(total).putInt(headersLength);
        out.putInt(crc(out.array(), 0, 8));
        out.put(h.array(), 0, headersLength).put(payload);
        out.putInt(crc(out.array(), 0, total - 4));
        return out.array();
    }

    private static int crc(byte[] data, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(data, offset, length);
        return (int) crc.getValue();
    }
}
