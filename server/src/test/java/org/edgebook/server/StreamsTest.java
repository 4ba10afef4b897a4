package org.edgebook.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.edgebook.engine.Command;
import org.edgebook.engine.Decimal;
import org.edgebook.engine.Event;
import org.edgebook.engine.Side;
import org.junit.jupiter.api.Test;

/** The trades channel encodes each trade once per shape, whatever the number of subscribers, over real sockets. */
class StreamsTest {

    @Test
    void eachTradeIsEncodedOncePerShapeAndEverySubscriberOfAShapeGetsTheSameMessage() throws Exception {
        final Vertx vertx = Vertx.vertx();
        try {
            final Streams streams = new Streams();
            final int accounts = 5;
            final List<Boolean> shapes = new ArrayList<>();
            for (int i = 0; i < accounts; i++) {
                shapes.add(false);
            }
            shapes.add(true); // the admin
            final java.util.concurrent.atomic.AtomicInteger subscribed =
                    new java.util.concurrent.atomic.AtomicInteger();
            final HttpServer server = vertx.createHttpServer().webSocketHandler(socket -> {
                final boolean full = shapes.get(Integer.parseInt(socket.path().substring(1)));
                streams.subscribeTrades(new Streams.Subscriber(socket, vertx.getOrCreateContext(), null), full);
                subscribed.incrementAndGet();
            }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            final HttpClient http = HttpClient.newHttpClient();
            final List<Served.Inbox> inboxes = new ArrayList<>();
            for (int i = 0; i < shapes.size(); i++) {
                final Served.Inbox inbox = new Served.Inbox();
                inboxes.add(inbox);
                http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + server.actualPort() + "/" + i),
                        inbox).join();
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (subscribed.get() < shapes.size() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(subscribed.get()).isEqualTo(shapes.size());

            final Event.Trade trade = new Event.Trade(42, "BTC-USD", Decimal.parse("64000"), Decimal.parse("0.5"),
                    "alice", "ask-7", "bob", "bid-9", Side.BUY);
            streams.durable(42, 1_795_000_000_000_000L, new Command.QueryBook("BTC-USD"), List.of(trade, trade));
            // Two trades, two shapes: four encodings for six subscribers.
            assertThat(streams.tradeMessagesEncoded()).isEqualTo(4);
            final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (inboxes.stream().anyMatch(i -> i.messages.size() < 2) && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            for (int i = 0; i < accounts; i++) {
                assertThat(inboxes.get(i).messages).isEqualTo(inboxes.get(0).messages);
            }
            assertThat(inboxes.get(0).messages).hasSize(2).allSatisfy(m -> assertThat(m).doesNotContain("alice",
                    "bob", "ask-7", "bid-9"));
            assertThat(inboxes.get(0).messages.get(1)).contains("\"tradeId\":\"42-2\"");
            assertThat(inboxes.get(accounts).messages).hasSize(2).allSatisfy(m -> assertThat(m).contains(
                    "\"buyer\":\"bob\"", "\"seller\":\"alice\"", "\"makerOrderId\":\"ask-7\"",
                    "\"takerOrderId\":\"bid-9\""));
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
