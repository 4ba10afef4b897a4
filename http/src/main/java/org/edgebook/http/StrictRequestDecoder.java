package org.edgebook.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.Http1ServerConfig;
import io.vertx.core.http.impl.http1.VertxHttpRequestDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Vert.x's HTTP/1.x request decoder with the leniencies that let a request's framing be read two ways taken out.
 * Netty accepts folded header lines (obs-fold) and joins them, ignores a {@code Transfer-Encoding} other than
 * {@code chunked} (so a body framed by it is read as the next request), and reports a chunk size that overflows only
 * as a failed body part, after the request was already handed on. This decoder refuses each of these, and a request
 * target whose percent-encoding is not strict UTF-8 ({@link RequestTargets}), with {@code 400} and a JSON body, then
 * closes the connection: nothing after a request whose framing cannot be trusted is read.
 * <p>
 * Folded lines are found in the raw bytes of each request head before Netty parses it; everything else is checked on
 * what Netty produced, before it reaches Vert.x. A request that fails Netty's own checks (Content-Length beside
 * chunked, a malformed header) gets the same JSON answer instead of Vert.x's empty one.
 * <p>
 * Threading: one instance per connection, used only on that connection's event loop.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {
    private final Function<String, byte[]> errorBody;
    /** Scanning a request head's raw bytes: true from a request's start to its blank line. */
    private boolean inHead = true;
    /** In a head: the request line is done (leading blank lines before it are skipped, as Netty does). */
    private boolean requestLineDone;
    /** In a head: the next byte starts a line. */
    private boolean atLineStart;
    /** Bytes past the reader index that were already scanned (Netty may not consume all it was given). */
    private int scannedAhead;
    private boolean rejected;

    StrictRequestDecoder(final Http1ServerConfig config, final Function<String, byte[]> errorBody) {
        super(config);
        this.errorBody = errorBody;
    }

    @Override
    protected void decode(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out)
            throws Exception {
        if (rejected) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (inHead && foldedHeaderAhead(in)) {
            reject(ctx, in, "a folded header line (obs-fold) is not accepted: send each header on one line");
            return;
        }
        final int first = out.size();
        final int readerBefore = in.readerIndex();
        super.decode(ctx, in, out);
        scannedAhead = Math.max(0, scannedAhead - (in.readerIndex() - readerBefore));
        for (int i = first; i < out.size(); i++) {
            final Object message = out.get(i);
            final String problem = problem(message);
            if (problem != null) {
                for (int j = out.size() - 1; j >= i; j--) {
                    ReferenceCountUtil.release(out.remove(j));
                }
                reject(ctx, in, problem);
                return;
            }
            if (message instanceof LastHttpContent) {
                inHead = true;
                requestLineDone = false;
                atLineStart = false;
            }
        }
    }

    /** Scans the unscanned head bytes; true at a header line that starts with a space or tab. */
    private boolean foldedHeaderAhead(final ByteBuf in) {
        final int end = in.writerIndex();
        int at = in.readerIndex() + scannedAhead;
        for (; at < end && inHead; at++) {
            final byte b = in.getByte(at);
            if (!requestLineDone) {
                if (b == '\n') {
                    requestLineDone = true;
                    atLineStart = true;
                }
                continue;
            }
            if (atLineStart) {
                if (b == ' ' || b == '\t') {
                    return true;
                }
                if (b == '\r' || b == '\n') {
                    inHead = b == '\r'; // a CR waits for its LF; a bare LF ends the head
                    atLineStart = b == '\r';
                    if (b == '\r') {
                        continue;
                    }
                    break;
                }
                atLineStart = false;
            } else if (b == '\n') {
                atLineStart = true;
            }
        }
        scannedAhead = at - in.readerIndex();
        return false;
    }

    /** What is wrong with a decoded message, or {@code null}. */
    private static String problem(final Object message) {
        if (message instanceof HttpRequest request) {
            if (request.decoderResult().isFailure()) {
                return "the request head is malformed: " + reason(request.decoderResult().cause());
            }
            final List<String> encodings = request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
            if (!encodings.isEmpty()) {
                if (request.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
                    return "Transfer-Encoding and Content-Length together: send one";
                }
                final String joined = String.join(",", encodings);
                if (encodings.size() != 1 || !joined.trim().toLowerCase(Locale.ROOT).equals("chunked")) {
                    return "Transfer-Encoding '" + joined + "' is not supported: only chunked";
                }
            }
            return RequestTargets.problem(request.uri());
        }
        if (message instanceof HttpContent content && content.decoderResult().isFailure()) {
            return "the chunked body is malformed: " + reason(content.decoderResult().cause());
        }
        return null;
    }

    private static String reason(final Throwable cause) {
        return cause == null ? "unknown" : cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }

    /** Answers 400 with {@code detail}, closes the connection once it is written, and ignores all input from now. */
    private void reject(final ChannelHandlerContext ctx, final ByteBuf in, final String detail) {
        rejected = true;
        in.skipBytes(in.readableBytes());
        final byte[] body = errorBody.apply(detail);
        final byte[] head = ("HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: "
                + body.length + "\r\nconnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(head, body)).addListener(ChannelFutureListener.CLOSE);
    }
}
