package org.edgebook.engine;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes an engine's whole state and restores it: assets, instruments, accounts with their balances and every client
 * order id they ever used, open orders in time priority with what each has filled, every sender's mark (sourced
 * commands, in order of first use), and the sequence number. A
 * restored engine answers every following command exactly as the original would. The byte format is this class's;
 * files around it (headers, checksums, atomic replacement) are the journal's business.
 * <p>
 * Threading: call from the engine's thread, or with the engine otherwise idle.
 */
public final class EngineSnapshot {
    /** Body format version; bump it on any change below. */
    public static final int FORMAT = 4;

    private EngineSnapshot() {
    }

    public static void write(final Engine engine, final DataOutput out) throws IOException {
        out.writeLong(engine.sequence);
        out.writeInt(engine.assets.size());
        for (final Asset asset : engine.assets) {
            writeString(out, asset.name);
            out.writeByte(asset.scale);
            out.writeLong(asset.circulating);
        }
        out.writeInt(engine.instruments.size());
        for (final Instrument instrument : engine.instruments) {
            writeString(out, instrument.symbol);
            out.writeInt(instrument.base.id);
            out.writeInt(instrument.quote.id);
            out.writeLong(instrument.tickUnits);
            out.writeByte(instrument.priceScale);
            out.writeLong(instrument.lotUnits);
            out.writeByte(instrument.quantityScale);
        }
        final int assetCount = engine.assets.size();
        out.writeInt(engine.accounts.size());
        final List<String> closedIds = new ArrayList<>();
        for (final Account account : engine.accounts) {
            writeAccount(out, account, assetCount, closedIds);
        }
        // Account numbers for the order section: position in first-use order.
        final StringTable<Integer> accountNumbers = new StringTable<>(engine.accounts.size());
        for (int i = 0; i < engine.accounts.size(); i++) {
            accountNumbers.put(engine.accounts.get(i).name, i);
        }
        for (final Instrument instrument : engine.instruments) {
            writeSide(out, instrument.book.bids, accountNumbers);
            writeSide(out, instrument.book.asks, accountNumbers);
        }
        out.writeInt(engine.senders.size());
        for (final Sender sender : engine.senders) {
            writeString(out, sender.name);
            out.writeLong(sender.mark);
        }
    }

    // Small methods on purpose: a snapshot runs rarely, and the JIT compiles small hot methods quickly where it
    // would leave one big method's loops interpreted for a long time.

    private static void writeAccount(final DataOutput out, final Account account, final int assetCount,
                                     final List<String> closedIds) throws IOException {
        writeString(out, account.name);
        for (int a = 0; a < assetCount; a++) {
            out.writeLong(account.available[a]);
            out.writeLong(account.reserved[a]);
            out.writeBoolean(account.held[a]);
        }
        closedIds.clear();
        account.orders.forEach((id, order) -> {
            if (order == Order.CLOSED) {
                closedIds.add(id);
            }
        });
        out.writeInt(closedIds.size());
        for (int i = 0; i < closedIds.size(); i++) {
            writeString(out, closedIds.get(i));
        }
        final StringTable<Long> transfers = account.transfers;
        out.writeInt(transfers == null ? 0 : transfers.size());
        if (transfers != null) {
            final IOException[] failure = new IOException[1];
            transfers.forEach((id, seq) -> {
                try {
                    writeString(out, id);
                    out.writeLong(seq);
                } catch (final IOException e) {
                    failure[0] = e;
                }
            });
            if (failure[0] != null) {
                throw failure[0];
            }
        }
    }

    private static void writeSide(final DataOutput out, final BookSide side,
                                  final StringTable<Integer> accountNumbers) throws IOException {
        int count = 0;
        for (int l = 0; l < side.levelCount(); l++) {
            for (Order o = side.level(l).head; o != null; o = o.next) {
                count++;
            }
        }
        out.writeInt(count);
        for (int l = 0; l < side.levelCount(); l++) {
            for (Order o = side.level(l).head; o != null; o = o.next) {
                writeOrder(out, o, accountNumbers.get(o.account.name));
            }
        }
    }

    private static void writeOrder(final DataOutput out, final Order o, final int accountNumber) throws IOException {
        out.writeInt(accountNumber);
        writeString(out, o.clientOrderId);
        out.writeLong(o.price);
        out.writeLong(o.remaining);
        out.writeLong(o.filled);
        out.writeBoolean(o.postOnly);
    }

    /** A new engine, with {@code sink}, in the state that {@link #write} recorded in the current format. */
    public static Engine read(final DataInput in, final EventSink sink) throws IOException {
        return read(in, sink, FORMAT);
    }

    /**
     * As {@link #read(DataInput, EventSink)}, for a body in {@code format} (1: before transfers; 2: before orders
     * recorded what had filled; 3: before senders' marks; 4: now). An order from format 1 or 2 counts as unfilled: its
     * total is what remained; a body before format 4 has no senders (none existed).
     */
    public static Engine read(final DataInput in, final EventSink sink, final int format) throws IOException {
        final Engine engine = new Engine(sink);
        engine.sequence = in.readLong();
        final int assetCount = count(in, "assets");
        for (int i = 0; i < assetCount; i++) {
            final Asset asset = new Asset(readString(in), i, in.readByte());
            asset.circulating = in.readLong();
            engine.assets.add(asset);
            engine.assetsByName.put(asset.name, asset);
        }
        final int instrumentCount = count(in, "instruments");
        for (int i = 0; i < instrumentCount; i++) {
            final String symbol = readString(in);
            final Asset base = engine.assets.get(in.readInt());
            final Asset quote = engine.assets.get(in.readInt());
            final Decimal tick = Decimal.of(in.readLong(), in.readByte());
            final Decimal lot = Decimal.of(in.readLong(), in.readByte());
            final Instrument instrument = new Instrument(symbol, i, base, quote, tick, lot);
            engine.instruments.add(instrument);
            engine.instrumentsBySymbol.put(symbol, instrument);
        }
        final int accountCount = count(in, "accounts");
        for (int i = 0; i < accountCount; i++) {
            final Account account = engine.openAccount(readString(in));
            for (int a = 0; a < assetCount; a++) {
                account.available[a] = in.readLong();
                account.reserved[a] = in.readLong();
                account.held[a] = in.readBoolean();
            }
            final int closed = count(in, "order ids");
            for (int c = 0; c < closed; c++) {
                account.orders.closed(readString(in));
            }
            if (format >= 2) {
                final int transfers = count(in, "transfer ids");
                for (int t = 0; t < transfers; t++) {
                    account.recordTransfer(readString(in), in.readLong());
                }
            }
        }
        for (final Instrument instrument : engine.instruments) {
            for (final Side side : new Side[] {Side.BUY, Side.SELL}) {
                final int orders = count(in, "orders");
                for (int o = 0; o < orders; o++) {
                    final Account account = engine.accounts.get(in.readInt());
                    final Order order = engine.orderPool.acquire();
                    final String clientOrderId = readString(in);
                    final long price = in.readLong();
                    final long remaining = in.readLong();
                    final long filled = format >= 3 ? in.readLong() : 0;
                    order.set(account, clientOrderId, instrument, side, price, remaining, filled, in.readBoolean());
                    // Joining the level and the account's open orders rebuilds both lists, and the level's arrival
                    // numbers, from the books in time priority: neither list is in the snapshot.
                    instrument.book.side(side).add(order);
                    account.orders.open(order);
                }
            }
        }
        if (format >= 4) {
            final int senders = count(in, "senders");
            for (int i = 0; i < senders; i++) {
                final Sender sender = new Sender(readString(in));
                sender.mark = in.readLong();
                engine.senders.add(sender);
                engine.sendersByName.put(sender.name, sender);
            }
        }
        return engine;
    }

    private static int count(final DataInput in, final String what) throws IOException {
        final int n = in.readInt();
        if (n < 0) {
            throw new IOException("snapshot is damaged: negative count of " + what);
        }
        return n;
    }

    private static void writeString(final DataOutput out, final String s) throws IOException {
        if (out instanceof SnapshotBuffer buffer) {
            buffer.writeString(s);
            return;
        }
        final byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(final DataInput in) throws IOException {
        if (in instanceof SnapshotReader reader) {
            return reader.readString(1 << 24);
        }
        final int length = in.readInt();
        if (length < 0 || length > (1 << 24)) {
            throw new IOException("snapshot is damaged: string of length " + length);
        }
        final byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
