package org.edgebook.http;

import io.netty.channel.ChannelPipeline;
import io.vertx.core.http.Http1ServerConfig;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.HttpServerConnection;
import io.vertx.core.http.impl.http1.VertxHttpRequestDecoder;
import java.util.function.Function;

/**
 * Puts {@link StrictRequestDecoder} in place of Vert.x's request decoder on a new HTTP/1.x connection. Call it from
 * the server's connection handler, which must run before the connection's first byte is decoded: that holds when
 * HTTP/2 over clear text is off ({@link HttpServerOptions#setHttp2ClearTextEnabled}), since Vert.x then sets up the
 * connection as it is accepted (or, with TLS, once the handshake is done) instead of after its first bytes.
 * <p>
 * This reaches into Vert.x's implementation (its connection's Netty pipeline and its decoder, pinned by the Vert.x
 * version in the build); a connection that is not the HTTP/1.x kind it knows is refused rather than served
 * leniently.
 * <p>
 * Threading: call on the connection's event loop (where Vert.x calls the connection handler).
 */
public final class StrictHttp {
    private StrictHttp() {
    }

    /**
     * Installs the strict decoder on {@code connection}, sized by {@code options}; {@code errorBody} makes the JSON
     * body of a 400 from its detail. Returns false (after closing the connection) if the connection is not one this
     * can make strict.
     */
    public static boolean install(final HttpConnection connection, final HttpServerOptions options,
                                  final Function<String, byte[]> errorBody) {
        if (!(connection instanceof HttpServerConnection server)) {
            connection.close();
            return false;
        }
        final ChannelPipeline pipeline = server.channelHandlerContext().pipeline();
        if (!(pipeline.get("httpDecoder") instanceof VertxHttpRequestDecoder)) {
            connection.close();
            return false;
        }
        final Http1ServerConfig config = new Http1ServerConfig()
                .setMaxInitialLineLength(options.getMaxInitialLineLength())
                .setMaxHeaderSize(options.getMaxHeaderSize())
                .setMaxChunkSize(options.getMaxChunkSize())
                .setDecoderInitialBufferSize(options.getDecoderInitialBufferSize());
        pipeline.replace("httpDecoder", "httpDecoder", new StrictRequestDecoder(config, errorBody));
        return true;
    }
}
