package org.edgebook.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.edgebook.codec.CommandDecoder;
import org.edgebook.engine.Command;
import org.edgebook.engine.RejectReason;
import org.edgebook.journal.DurableEngine;
import org.edgebook.journal.Senders;
import org.edgebook.journal.Sequencer;

/**
 * {@code POST /v1/forward} (docs/transaction-path.md, "Forwarding"): an edge node ({@link NodeAuthentication})
 * forwards its clients' signed transactions as JSON lines {@code {"sourceSeq":N,"tx":{…}}}, numbered in its own
 * source, {@code node:} and its id. Each line runs as {@code FromSender("node:<id>", sourceSeq, command)}, so the
 * exactly-once rule of sources holds.
 * <p>
 * The request is checked whole before anything is submitted: every line a JSON object of exactly an integer
 * {@code sourceSeq} (1 or more) and an object {@code tx}, the numbers increasing by exactly one, at least one line;
 * otherwise 400 and nothing runs. Then each {@code tx} is checked as a signed command is on every other transport
 * ({@link SignedCommands}: a registered, unrevoked key, its signature over the canonical form, {@code signedAt}
 * within the maximum age and the clock window) and further: it must be signed, a place or a transfer, its signing
 * account's own, and carry no {@code source} or {@code sourceSeq} of its own. A {@code tx} refused for any of these
 * (or one that does not decode) still takes its {@code sourceSeq}: it is submitted as a {@link Command.Malformed}
 * whose detail is the reason ({@code "<error>: <detail>"}, e.g. {@code "revoked key: client key ck-… was revoked"}),
 * so the node's numbering has no hole and the engine answers it rejected MALFORMED, moving nothing. Its account is
 * the signing key's when the key's signature was verified, else none: an unverified claim names no one.
 * <p>
 * The answer is 200 with one line per line sent, in order: {@code {"sourceSeq":N,"outcome":"settled","cmd":S,
 * "events":[…]}}, {@code {"sourceSeq":N,"outcome":"rejected","cmd":S,"reason":…,"events":[…]}} ({@code reason}: the
 * engine's reject reason, or for a MALFORMED command of this route the detail above), {@code {"sourceSeq":N,
 * "outcome":"gap","expected":E}}. A repeat (at or below the mark) answers its original's outcome, {@code cmd} and
 * events, found by the engine's {@link Senders} (from memory, or from the journal), or {@code {"sourceSeq":N,
 * "outcome":"unknown","detail":…}} when they cannot be found. A journal that fails answers 503 with
 * {@code Retry-After} and {@code durableLines}, as {@code /v1/batch} does.
 * <p>
 * <b>View:</b> each line's events are written in the view of the command's own account (the transfer's payer, the
 * order's account): what the client would see had it sent the command itself. The node learns what its client's
 * command did, and not the other side of a trade (the counterparty's account and order id), which the admin view
 * would show. A refused line that names no account is written in the view of the node's source, which is no
 * account's: never the admin view, so that a node cannot get one by sending a refused line under the number of a
 * command already run (a repeat is answered in the view of the line that repeats it).
 * <p>
 * The events are the pipeline's bytes: each line's slice is copied once into the answer, behind a head written by a
 * JSON generator (lines answered while an earlier repeat is still looked up in the journal wait, copied, for it).
 * <p>
 * Threading: the handler parses on the event loop; the lines' signatures are checked on a Vert.x worker and the
 * common fork-join pool; the commands are submitted back on the request's context, each node's requests in the order
 * they arrived ({@code lastByNode} chains them); replies on the publisher thread (a failed one may come from the engine
 * thread, a repeat's original from the journal lookup thread); the answer is written on the request's context.
 */
final class ForwardRoute {
    /** Generators for line heads: left open at the events array, whose bytes follow raw. */
    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(StreamWriteFeature.AUTO_CLOSE_CONTENT).build();
    private static final byte[] EVENTS_END = {']', '}', '\n'};
    private static final byte[] EXPECTED = "\"expected\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final DurableEngine engine;
    private final SignedCommands signed;
    /** Each node's last request not yet submitted: the next one waits for it. */
    private final java.util.concurrent.ConcurrentHashMap<String, CompletableFuture<Void>> lastByNode =
            new java.util.concurrent.ConcurrentHashMap<>();

    ForwardRoute(final DurableEngine engine, final SignedCommands signed) {
        this.engine = engine;
        this.signed = signed;
    }

    void register(final Router router) {
        router.post("/v1/forward").handler(this::forward);
    }

    /** A line of the request: its number and where its {@code tx} object is in the body. */
    private record Line(long sourceSeq, int txFrom, int txTo) {
    }

    private void forward(final RoutingContext ctx) {
        final NodeKey node = ctx.get(NodeAuthentication.NODE);
        if (node == null) {
            HttpAnswers.json(ctx, 403, ApiResponses.error("forbidden", "only an edge node forwards (a request signed "
                    + "with EB-NODE, docs/transaction-path.md); an API key sends commands to /v1/batch"));
            return;
        }
        final byte[] bytes = HttpAnswers.body(ctx);
        final List<Line> lines = new java.util.ArrayList<>();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                final int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
                if (end > start) {
                    final int number = lines.size() + 1;
                    final Object parsed = parse(bytes, start, end - start);
                    if (parsed instanceof String problem) {
                        malformed(ctx, "line " + number + ": " + problem);
                        return;
                    }
                    final Line line = (Line) parsed;
                    if (!lines.isEmpty() && line.sourceSeq() != lines.getLast().sourceSeq() + 1) {
                        malformed(ctx, "line " + number + ": sourceSeq " + line.sourceSeq() + " does not follow "
                                + lines.getLast().sourceSeq() + " (the lines' sourceSeqs increase by exactly one)");
                        return;
                    }
                    lines.add(line);
                }
                start = i + 1;
            }
        }
        if (lines.isEmpty()) {
            malformed(ctx, "the request holds no line: send {\"sourceSeq\":N,\"tx\":{…}} lines");
            return;
        }
        // Each line's client signature (about 60 µs) is checked off the event loop, on a worker and the common pool,
        // so that a batch uses every core. A node's requests reach the engine in the order they arrived (their
        // sourceSeqs follow each other, pipelined on one connection): each is submitted only after the one before
        // it, whatever finished checking first. (Vert.x gives each request its own context, so ordered blocking
        // calls alone do not keep that order.)
        final Command[] commands = new Command[lines.size()];
        final CompletableFuture<Void> mine = new CompletableFuture<>();
        final CompletableFuture<Void> before = lastByNode.put(node.source(), mine);
        final io.vertx.core.Context context = ctx.vertx().getOrCreateContext();
        ctx.vertx().executeBlocking(() -> {
            java.util.stream.IntStream.range(0, commands.length).parallel().forEach(i -> {
                final Line line = lines.get(i);
                commands[i] = new Command.FromSender(node.source(), line.sourceSeq(), checked(HttpAnswers.decoder(),
                        bytes, line.txFrom(), line.txTo() - line.txFrom()));
            });
            return null;
        }, false).onComplete(checked -> (before == null ? CompletableFuture.<Void>completedFuture(null) : before)
                .whenComplete((v, e) -> context.runOnContext(x -> {
                    try {
                        if (checked.failed()) {
                            HttpAnswers.json(ctx, 500, ApiResponses.error("internal", "checking the lines failed: "
                                    + checked.cause()));
                            return;
                        }
                        submit(ctx, node, lines, commands);
                    } finally {
                        mine.complete(null);
                        lastByNode.remove(node.source(), mine);
                    }
                })));
    }

    private void submit(final RoutingContext ctx, final NodeKey node, final List<Line> lines,
                        final Command[] commands) {
        final LinesAnswer answer = new LinesAnswer(ctx, commands.length, 200, "request", ", from the node's mark + 1");
        for (int i = 0; i < commands.length; i++) {
            final Command inner = ((Command.FromSender) commands[i]).command();
            final String account = account(inner);
            final boolean taken;
            try {
                taken = engine.submit(commands[i], node.source(), account != null ? account : node.source(), ',',
                        new Reply(answer, engine, lines.get(i).sourceSeq(), i));
            } catch (final RuntimeException e) { // a bug: the lines not taken are answered, never left waiting
                answer.refused(i, Refusal.of(engine));
                throw e;
            }
            if (!taken) {
                answer.refused(i, Refusal.of(engine));
                return;
            }
        }
    }

    private static void malformed(final RoutingContext ctx, final String detail) {
        HttpAnswers.json(ctx, 400, ApiResponses.error("MALFORMED", detail + "; nothing in the request was done"));
    }

    /** The line as a {@link Line}, or what is wrong with it (a {@code String}). */
    private static Object parse(final byte[] bytes, final int offset, final int length) {
        long sourceSeq = 0;
        int txFrom = -1;
        int txTo = -1;
        try (JsonParser json = JSON.createParser(bytes, offset, length)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                return "not a JSON object";
            }
            for (JsonToken token = json.nextToken(); token != JsonToken.END_OBJECT; token = json.nextToken()) {
                final String name = json.currentName();
                final JsonToken value = json.nextToken();
                if ("sourceSeq".equals(name)) {
                    if (sourceSeq != 0) {
                        return "sourceSeq is given twice";
                    }
                    if (value != JsonToken.VALUE_NUMBER_INT || json.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                            || json.getLongValue() < 1) {
                        return "sourceSeq is an integer from 1 to " + Long.MAX_VALUE;
                    }
                    sourceSeq = json.getLongValue();
                } else if ("tx".equals(name)) {
                    if (txFrom >= 0) {
                        return "tx is given twice";
                    }
                    if (value != JsonToken.START_OBJECT) {
                        return "tx is a JSON object: the client's signed transaction";
                    }
                    txFrom = offset + (int) json.currentTokenLocation().getByteOffset();
                    json.skipChildren();
                    txTo = offset + (int) json.currentLocation().getByteOffset();
                } else {
                    return "a line holds sourceSeq and tx and nothing else, not " + name;
                }
            }
            if (json.nextToken() != null) {
                return "more than one JSON value on the line";
            }
        } catch (final JsonProcessingException e) {
            return "not JSON: " + e.getOriginalMessage();
        } catch (final IOException e) {
            return "not JSON: " + e.getMessage();
        }
        if (sourceSeq == 0) {
            return "sourceSeq is required: the node's number for the line, an integer from 1";
        }
        if (txFrom < 0) {
            return "tx is required: the client's signed transaction, a JSON object";
        }
        return new Line(sourceSeq, txFrom, txTo);
    }

    /**
     * The command {@code tx} runs as: the signed place or transfer it is, or a {@link Command.Malformed} saying why
     * settlement refuses it.
     */
    private Command checked(final CommandDecoder decoder, final byte[] bytes, final int offset, final int length) {
        final SignedCommands.Checked checked = signed.check(bytes, offset, length);
        if (checked.refused()) {
            return refused(checked.error(), checked.detail(), null);
        }
        final Command command = decoder.decode(checked.bytes(), checked.offset(), checked.length());
        final String signer = checked.signer();
        if (signer == null) {
            return command instanceof Command.Malformed m ? refused("MALFORMED", m.detail(), null)
                    : refused("unsigned", "a forwarded transaction is signed by a client key of its account "
                            + "(docs/signing.md)", null);
        }
        return switch (command) {
            case Command.Malformed m -> refused("MALFORMED", m.detail(), signer);
            case Command.FromSender _ -> refused("own source", "a forwarded transaction carries no source or "
                    + "sourceSeq: it runs in the node's source, numbered by the line's sourceSeq", signer);
            case Command.Place p when signer.equals(p.account()) -> p;
            case Command.Transfer t when signer.equals(t.from()) -> t;
            case Command.Place _ -> wrongAccount(signer);
            case Command.Transfer _ -> wrongAccount(signer);
            default -> refused("not signable", "a forwarded transaction is a signed place or transfer", signer);
        };
    }

    private static Command.Malformed wrongAccount(final String signer) {
        return refused("wrong account", "the transaction was signed by a key of account " + signer + "; a client key "
                + "signs only its account's own orders and transfers, naming the account", signer);
    }

    private static Command.Malformed refused(final String error, final String detail, final String account) {
        return new Command.Malformed(error + ": " + detail, account, null);
    }

    /** The account whose view a command's events are written in (see the class comment). */
    private static String account(final Command command) {
        return switch (command) {
            case Command.Place p -> p.account();
            case Command.Transfer t -> t.from();
            case Command.Malformed m -> m.account();
            default -> null;
        };
    }

    /**
     * A line's head, {@code {"sourceSeq":N,"outcome":…,"cmd":S[,"reason":…],"events":[}}, written by a generator and
     * left open at the events, which follow raw; or a whole line ({@code events} false) with {@code extra} as its
     * last member.
     */
    private static byte[] head(final long sourceSeq, final String outcome, final long cmd, final String reason,
                               final boolean events, final String extraName, final Object extra) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(96);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeNumberField("sourceSeq", sourceSeq);
            json.writeStringField("outcome", outcome);
            if (cmd > 0) {
                json.writeNumberField("cmd", cmd);
            }
            if (reason != null) {
                json.writeStringField("reason", reason);
            }
            if (extraName != null) {
                if (extra instanceof Long n) {
                    json.writeNumberField(extraName, n);
                } else {
                    json.writeStringField(extraName, (String) extra);
                }
            }
            if (events) {
                json.writeArrayFieldStart("events");
            } else {
                json.writeEndObject();
            }
            json.flush();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!events) {
            out.write('\n');
        }
        return out.toByteArray();
    }

    /** The {@code reason} of a rejected line: the detail of a command this route refused, else the engine's. */
    private static String reason(final Command command, final RejectReason rejection) {
        return rejection == RejectReason.MALFORMED && Command.unwrap(command) instanceof Command.Malformed m
                ? m.detail() : rejection.name();
    }

    /** The number after {@code "expected":} in {@code bytes[from, to)} (a SEQUENCE_GAP event), or 0. */
    private static long expected(final byte[] bytes, final int from, final int to) {
        outer: for (int i = from; i <= to - EXPECTED.length; i++) {
            for (int j = 0; j < EXPECTED.length; j++) {
                if (bytes[i + j] != EXPECTED[j]) {
                    continue outer;
                }
            }
            long value = 0;
            for (int k = i + EXPECTED.length; k < to && bytes[k] >= '0' && bytes[k] <= '9'; k++) {
                value = value * 10 + bytes[k] - '0';
            }
            return value;
        }
        return 0;
    }

    /** One line's reply: its outcome line (a head, then its events), into the request's {@link LinesAnswer}. */
    private static final class Reply implements DurableEngine.Reply {
        private final LinesAnswer answer;
        private final DurableEngine engine;
        private final long sourceSeq;
        private final int index;

        Reply(final LinesAnswer answer, final DurableEngine engine, final long sourceSeq, final int index) {
            this.answer = answer;
            this.engine = engine;
            this.sourceSeq = sourceSeq;
            this.index = index;
        }

        @Override
        public void done(final long seq, final List<org.edgebook.engine.Event> events) {
            throw new IllegalStateException("answered from the batch's bytes, never from typed events");
        }

        @Override
        public void done(final Sequencer.Batch batch, final int i) {
            if (batch.duplicate(i)) {
                engine.senders().original(batch, i, new Senders.Answer() {
                    @Override
                    public void original(final Senders.Original original) {
                        final byte[] events = original.events(',');
                        final RejectReason rejection = original.rejection();
                        finished(head(sourceSeq, rejection == null ? "settled" : "rejected", original.seq(),
                                rejection == null ? null : reason(original.command(), rejection), true, null,
                                null), events, 0, Math.max(0, events.length - 1));
                    }

                    @Override
                    public void missing(final boolean gone, final String detail) {
                        // gone: the journal no longer holds it (for good); else busy: the node asks again later
                        finished(head(sourceSeq, gone ? "unknown" : "busy", 0, null, false, "detail", detail), null,
                                0, 0);
                    }
                });
                return;
            }
            final RejectReason rejection = batch.rejection(i);
            final int from = batch.eventsFrom(i);
            final int to = batch.eventsTo(i);
            if (rejection == RejectReason.SEQUENCE_GAP) {
                finished(head(sourceSeq, "gap", 0, null, false, "expected",
                        expected(batch.eventBytes(), from, to)), null, 0, 0);
                return;
            }
            // without the last separator
            finished(head(sourceSeq, rejection == null ? "settled" : "rejected", batch.seq(i),
                    rejection == null ? null : reason(batch.command(i), rejection), true, null, null),
                    batch.eventBytes(), from, to > from ? to - 1 : from);
        }

        /** The line: {@code head}, then {@code bytes[from, to)} and the end of the events if there are any. */
        private void finished(final byte[] head, final byte[] bytes, final int from, final int to) {
            answer.durable(index, head, bytes, from, to, bytes == null ? LinesAnswer.NONE : EVENTS_END);
        }

        @Override
        public void failed(final IOException cause) {
            answer.failed(cause);
        }
    }
}
