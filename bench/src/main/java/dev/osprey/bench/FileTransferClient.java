package dev.osprey.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * HTTP/1.1 file upload and download with few, large copies (sendfile up, 1 MiB reads down), so an artifact benchmark measures the server and not the client: the JDK's HttpClient tops out
 * near 300 MB/s writing a download to disk on this machine, well below what the server sends.
 */
final class FileTransferClient {
    private FileTransferClient() {}

    /** PUTs the file; returns the status. */
    static int put(String host, int port, String path, Path file) throws IOException {
        try (SocketChannel socket = SocketChannel.open(new InetSocketAddress(host, port));
                FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = in.size();
            write(socket, "PUT " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nContent-Length: " + size
                    + "\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n");
            for (long sent = 0; sent < size; ) {
                sent += in.transferTo(sent, size - sent, socket);
            }
            Head head = readHead(socket);
            return head.status;
        }
    }

    /** GETs into the file; returns the status. */
    static int get(String host, int port, String path, Path file) throws IOException {
        try (SocketChannel socket = SocketChannel.open(new InetSocketAddress(host, port));
                FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
            write(socket, "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nConnection: close\r\n\r\n");
            Head head = readHead(socket);
            long written = 0;
            if (head.leftover.remaining() > 0) {
                written += out.write(head.leftover);
            }
            // transferFrom from a socket copies through an 8 KiB buffer; 1 MiB reads do far better.
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
            while (written < head.contentLength) {
                buffer.clear();
                if (socket.read(buffer) < 0) {
                    throw new IOException("connection closed after " + written + " of " + head.contentLength);
                }
                buffer.flip();
                while (buffer.hasRemaining()) {
                    written += out.write(buffer);
                }
            }
            return head.status;
        }
    }

    private record Head(int status, long contentLength, ByteBuffer leftover) {}

    private static void write(SocketChannel socket, String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
        while (b.hasRemaining()) {
            socket.write(b);
        }
    }

    /** Reads up to the end of the headers; what arrived beyond them is returned as leftover body bytes. */
    private static Head readHead(SocketChannel socket) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        while (true) {
            buffer.clear();
            int n = socket.read(buffer);
            if (n < 0) {
                throw new IOException("connection closed before the response headers ended");
            }
            seen.write(buffer.array(), 0, n);
            String text = seen.toString(StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (end >= 0) {
                int status = Integer.parseInt(text.substring(9, 12));
                long length = 0;
                for (String line : text.substring(0, end).split("\r\n")) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Long.parseLong(line.substring(15).trim());
                    }
                }
                byte[] all = seen.toByteArray();
                return new Head(status, length, ByteBuffer.wrap(all, end + 4, all.length - end - 4));
            }
        }
    }
}
