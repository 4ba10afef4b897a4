package org.edgebook.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.edgebook.http.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issue 9's framing findings against the edge node, over raw sockets: each is 400 and closes the connection. */
class EdgeHttpFramingTest {
    private EdgeNode node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private int start() throws IOException {
        node = EdgeNode.start(EdgeConfig.defaults("127.0.0.1", 0).withPort(0), () -> 1_795_338_000_250L,
                (fn, sha, id, text) -> {}, 1);
        return node.port();
    }

    private static void assertBadRequest(final RawHttp.Answer answer, final String detail) {
        assertThat(answer.status()).as(answer.text()).isEqualTo(400);
        assertThat(answer.body()).startsWith("{\"error\":\"bad_request\",\"message\":\"").contains(detail);
        assertThat(answer.text()).doesNotContain("HTTP/1.1 200", "HTTP/1.1 404");
        assertThat(answer.closed()).as("the connection is closed").isTrue();
    }

    @Test
    void ambiguousFramingIsABadRequestAndClosesTheConnection() throws Exception {
        final int port = start();
        assertBadRequest(RawHttp.exchange(port, "POST /native/transform HTTP/1.1\r\nHost: x\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF1\r\nx\r\n0\r\n\r\n"), "Chunk size");
        assertBadRequest(RawHttp.exchange(port, "POST /native/transform HTTP/1.1\r\nHost: x\r\n"
                + "Transfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}"), "Content-Length together");
        assertBadRequest(RawHttp.exchange(port, "POST /native/transform HTTP/1.1\r\nHost: x\r\n"
                + "Transfer-Encoding: identity\r\n\r\n{}"), "only chunked");
        assertBadRequest(RawHttp.exchange(port, "GET /health HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n b\r\n\r\n"),
                "obs-fold");
        assertBadRequest(RawHttp.exchange(port, "POST /native%C0%AFtransform HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: 2\r\n\r\n{}"), "request target");
        // What is well framed is served as before.
        assertThat(RawHttp.exchange(port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status())
                .isEqualTo(200);
    }
}
