package dev.osprey.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Http10AnswerTest {
    private static final String CHUNKED = "HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n"
            + "Content-Type: application/json\r\n\r\n5;ext=1\r\n{\"a\":\r\nA\r\n\"bcdefgh\"}\r\n0\r\nX-Trailer: t\r\n\r\n";

    @Test
    void chunkedAnswers_loseTheirFraming_whereverTheWritesSplitThem() {
        String expected = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n"
                + "{\"a\":\"bcdefgh\"}";
        byte[] bytes = CHUNKED.getBytes(StandardCharsets.ISO_8859_1);
        for (int split = 1; split < bytes.length; split++) {
            Capture socket = new Capture();
            Http10Answer answer = new Http10Answer(socket);
            answer.write(BufferData.create(bytes, 0, split));
            answer.writeNow(BufferData.create(bytes, split, bytes.length - split));
            assertThat(socket.text()).as("split at " + split).isEqualTo(expected);
        }
    }

    @Test
    void answersWithALength_passUnchanged_andInterimAnswersKeepTheirOwnHead() {
        String plain = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n0\r\nnot-hex";
        Capture socket = new Capture();
        new Http10Answer(socket).write(BufferData.create(plain));
        assertThat(socket.text()).isEqualTo(plain);
    }

    /** What reached the socket. */
    private static final class Capture implements DataWriter {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        String text() {
            return bytes.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void write(BufferData... buffers) {
            for (BufferData b : buffers) {
                write(b);
            }
        }

        @Override
        public void write(BufferData buffer) {
            bytes.writeBytes(buffer.readBytes());
        }

        @Override
        public void writeNow(BufferData... buffers) {
            write(buffers);
        }

        @Override
        public void writeNow(BufferData buffer) {
            write(buffer);
        }
    }
}
